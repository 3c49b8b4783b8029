"""Personal data at rest: Fernet (AES-128-CBC + HMAC-SHA256) with a key derived from the secret,
and a keyed hash of the phone number so that repeat callers can be found without decrypting."""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet


class PersonalDataCipher:
    def __init__(self, secret: str) -> None:
        digest = hashlib.sha256(("jiesu-pii:" + secret).encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))
        self._hash_key = hashlib.sha256(("jiesu-lookup:" + secret).encode()).digest()

    def encrypt(self, text: str | None) -> bytes | None:
        if not text:
            return None
        return self._fernet.encrypt(text.encode())

    def decrypt(self, token: bytes | None) -> str:
        if not token:
            return ""
        return self._fernet.decrypt(bytes(token)).decode()

    def lookup_key(self, phone: str | None) -> str | None:
        if not phone:
            return None
        return hmac.new(self._hash_key, phone.encode(), hashlib.sha256).hexdigest()[:32]
