"""The secret's keys: personal data and citizens' tokens each under a key of their own, old secrets still opening."""

from jiesu.storage.cipher import PersonalDataCipher


def test_a_token_opens_only_with_the_secret_that_sealed_it_or_after_it_was_rotated():
    cipher = PersonalDataCipher("s1")
    token = cipher.seal_token('{"keys": ["k"]}')
    assert cipher.open_token(token) == '{"keys": ["k"]}'
    assert PersonalDataCipher("s2").open_token(token) is None
    assert PersonalDataCipher("s2", old_secrets=("s1",)).open_token(token) == '{"keys": ["k"]}'  # during rotation
    assert cipher.open_token(token[:-3] + "abc") is None and cipher.open_token("不是令牌") is None


def test_personal_data_and_tokens_never_stand_for_each_other():
    cipher = PersonalDataCipher("s1")
    sealed_phone = cipher.encrypt("13812345678")
    assert cipher.open_token(sealed_phone.decode()) is None
    assert not cipher.opens(cipher.seal_token("13812345678").encode())
