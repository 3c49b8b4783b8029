"""Personal data at rest: Fernet (AES-128-CBC + HMAC-SHA256) with a key derived from the secret,
and a keyed hash of the phone number so that repeat callers can be found without decrypting.

A secret can be replaced (密钥轮换): the new one encrypts, the previous ones (`old_secrets`) still decrypt and still
find a caller's earlier cases until `services/secrets.rotate` has re-encrypted every row with the new one."""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


def _fernet(secret: str, purpose: str = "pii") -> Fernet:
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256((f"jiesu-{purpose}:" + secret).encode()).digest()))


def _hash_key(secret: str) -> bytes:
    return hashlib.sha256(("jiesu-lookup:" + secret).encode()).digest()


class PersonalDataCipher:
    def __init__(self, secret: str, old_secrets: tuple[str, ...] = ()) -> None:
        old = [s for s in dict.fromkeys(old_secrets) if s and s != secret]
        self._current = _fernet(secret)
        self._fernet = MultiFernet([self._current, *(_fernet(s) for s in old)])
        self._hash_keys = [_hash_key(secret), *(_hash_key(s) for s in old)]
        self._tokens = MultiFernet([_fernet(s, "citizen-token") for s in (secret, *old)])  # a key of its own: a
        # token is not personal data, and personal data is never a token

    def seal_token(self, text: str) -> str:
        """An opaque token carrying `text` (encrypted and signed), for a citizen's app to send back."""
        return self._tokens.encrypt(text.encode()).decode()

    def open_token(self, token: str, ttl: int | None = None) -> str | None:
        """What a token from `seal_token` carries, or None for anything else (or, with `ttl`, for a token sealed
        more than `ttl` seconds ago)."""
        try:
            return self._tokens.decrypt(token.encode(), ttl=ttl).decode()
        except (InvalidToken, UnicodeError, ValueError):
            return None

    def encrypt(self, text: str | None) -> bytes | None:
        if not text:
            return None
        return self._current.encrypt(text.encode())

    def decrypt(self, token: bytes | None) -> str:
        if not token:
            return ""
        return self._fernet.decrypt(bytes(token)).decode()

    def encrypt_bytes(self, data: bytes) -> bytes:
        """Binary personal data (a photo) encrypted with the current secret."""
        return self._current.encrypt(data)

    def decrypt_bytes(self, token: bytes) -> bytes:
        return self._fernet.decrypt(bytes(token))

    def opens(self, token: bytes | None) -> bool:
        """Whether one of the secrets (current or old) decrypts the token."""
        if not token:
            return True
        try:
            self._fernet.decrypt(bytes(token))
        except InvalidToken:
            return False
        return True

    def is_current(self, token: bytes | None) -> bool:
        """Whether the token is empty or encrypted with the current secret (nothing to rotate)."""
        if not token:
            return True
        try:
            self._current.decrypt(bytes(token))
        except InvalidToken:
            return False
        return True

    def lookup_key(self, phone: str | None) -> str | None:
        """The keyed hash stored with a case, under the current secret."""
        return self.lookup_keys(phone)[0] if phone else None

    def lookup_keys(self, phone: str | None) -> list[str]:
        """The hashes the phone's cases may be stored under: the current secret's first, then the old ones'
        (while a rotation is under way)."""
        if not phone:
            return []
        return [hmac.new(key, phone.encode(), hashlib.sha256).hexdigest()[:32] for key in self._hash_keys]
