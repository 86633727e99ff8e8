"""Login flows: magic link with OTP, and password.

A challenge holds a link token (stored as SHA-256) and a six-digit OTP (stored as
an HMAC keyed by the server secret: a plain hash of six digits is reversible by
trying all million). A challenge is single use, expires, is superseded by a newer
one, and is burnt after too many wrong codes. Every attempt is rate limited per
e-mail and per client IP.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tradertape.db.models import LoginChallenge, User
from tradertape.errors import BadRequest, Unauthenticated
from tradertape.ports.clock import Clock
from tradertape.security.passwords import hash_password, needs_rehash, verify_password
from tradertape.security.tokens import (
    digests_equal,
    keyed_digest,
    new_otp,
    new_secret,
    sha256_hex,
)
from tradertape.services.accounts.ratelimit import RateLimiter
from tradertape.services.accounts.users import find_user, get_or_create_user, normalize_email
from tradertape.services.notifications.mail import Outbox

INVALID_LINK = "this login link is invalid or has already been used; request a new one"


class LoginService:
    """Issues and redeems login challenges; checks passwords."""

    def __init__(
        self,
        *,
        clock: Clock,
        secret: str,
        outbox: Outbox,
        limiter: RateLimiter,
        public_base_url: str,
        challenge_ttl: timedelta,
        otp_max_wrong_tries: int,
        opening_balance: Decimal = Decimal(0),
    ) -> None:
        self._clock = clock
        self._secret = secret
        self._outbox = outbox
        self._limiter = limiter
        self._base_url = public_base_url
        self._ttl = challenge_ttl
        self._max_wrong = otp_max_wrong_tries
        self._opening_balance = opening_balance  # a new account's paper cash (sign-up)

    def _otp_digest(self, challenge_token_hash: str, otp: str) -> str:
        # Bound to the challenge so the same code in two challenges digests differently.
        return keyed_digest(self._secret, f"otp:{challenge_token_hash}:{otp}")

    def _limit(self, db: Session, *, email: str, ip: str | None) -> None:
        buckets = [f"email:{email}"]
        if ip:
            buckets.append(f"ip:{ip}")
        self._limiter.hit(db, buckets)

    def request_link(self, db: Session, *, email: str, ip: str | None) -> User:
        """Create the user if new, supersede open challenges and mail a link plus an OTP."""
        email = normalize_email(email)
        self._limit(db, email=email, ip=ip)
        user = get_or_create_user(
            db, clock=self._clock, email=email, opening_balance=self._opening_balance
        )
        now = self._clock.now()
        db.execute(
            update(LoginChallenge)
            .where(
                LoginChallenge.user_id == user.id,
                LoginChallenge.used_at.is_(None),
                LoginChallenge.superseded_at.is_(None),
            )
            .values(superseded_at=now)
        )
        token, otp = new_secret(nbytes=32), new_otp()
        token_hash = sha256_hex(token)
        db.add(
            LoginChallenge(
                user_id=user.id,
                token_hash=token_hash,
                otp_hash=self._otp_digest(token_hash, otp),
                created_at=now,
                expires_at=now + self._ttl,
            )
        )
        db.commit()
        minutes = int(self._ttl.total_seconds() // 60)
        body = (
            f"Sign in to TraderTape:\n\n  {self._base_url}/auth/verify#token={token}\n\n"
            f"or enter this code: {otp}\n\n"
            f"The link and the code work once, for {minutes} minutes. "
            "If you did not ask to sign in, ignore this e-mail."
        )
        self._outbox.send(db, to=email, subject="Your TraderTape sign-in link and code", body=body)
        return user

    def _open_challenge_or_fail(self, challenge: LoginChallenge | None) -> LoginChallenge:
        if challenge is None or challenge.used_at is not None or challenge.superseded_at:
            raise BadRequest(INVALID_LINK)
        if challenge.expires_at <= self._clock.now():
            raise BadRequest("this login link has expired; request a new one")
        if challenge.wrong_tries >= self._max_wrong:
            raise BadRequest("too many wrong codes; this code is burnt, request a new one")
        return challenge

    def _redeem(self, db: Session, challenge: LoginChallenge) -> User:
        challenge.used_at = self._clock.now()
        user = db.get(User, challenge.user_id)
        if user is None or not user.is_active:
            raise Unauthenticated("this account is disabled")
        db.commit()
        return user

    def verify_token(self, db: Session, *, token: str) -> User:
        """Redeem a link token (single use)."""
        query = select(LoginChallenge).where(LoginChallenge.token_hash == sha256_hex(token))
        challenge = self._open_challenge_or_fail(db.scalar(query))
        return self._redeem(db, challenge)

    def verify_otp(self, db: Session, *, email: str, otp: str, ip: str | None) -> User:
        """Redeem the newest open challenge of `email` with its six-digit code."""
        email = normalize_email(email)
        self._limit(db, email=email, ip=ip)
        user = find_user(db, email)
        challenge = None
        if user is not None:
            challenge = db.scalar(
                select(LoginChallenge)
                .where(LoginChallenge.user_id == user.id)
                .order_by(LoginChallenge.id.desc())
                .limit(1)
            )
        challenge = self._open_challenge_or_fail(challenge)
        if not digests_equal(challenge.otp_hash, self._otp_digest(challenge.token_hash, otp)):
            challenge.wrong_tries += 1
            db.commit()
            left = self._max_wrong - challenge.wrong_tries
            if left <= 0:
                raise BadRequest("wrong code; too many wrong codes, request a new one")
            raise BadRequest(f"wrong code; {left} {'try' if left == 1 else 'tries'} left")
        return self._redeem(db, challenge)

    def password_login(self, db: Session, *, email: str, password: str, ip: str | None) -> User:
        """Check e-mail and password; the same 401 whether the e-mail or password is wrong."""
        email = normalize_email(email)
        self._limit(db, email=email, ip=ip)
        user = find_user(db, email)
        stored = user.password_hash if user is not None else None
        if user is None or not verify_password(stored, password) or not user.is_active:
            raise Unauthenticated("invalid e-mail or password")
        if stored is not None and needs_rehash(stored):
            user.password_hash = hash_password(password)
            db.commit()
        return user
