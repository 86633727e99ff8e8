"""Magic link and OTP sign-in, including every way it must refuse."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from tests.helpers import otp_and_token
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime

EMAIL = "Trader@Example.com"
NORMALIZED = "trader@example.com"


def _request(client: TestClient, email: str = EMAIL) -> None:
    response = client.post("/api/auth/magic-link", json={"email": email})
    assert response.status_code == 202, response.text
    assert response.json() == {"status": "sent", "email": NORMALIZED, "expires_in_s": 900}


def test_otp_signs_in_new_user_and_sets_session_cookie(client: TestClient, runtime: Runtime):
    _request(client)
    otp, _ = otp_and_token(runtime, NORMALIZED)

    response = client.post("/api/auth/verify-link", json={"email": EMAIL, "otp": otp})

    assert response.status_code == 200, response.text
    assert response.json()["user"]["email"] == NORMALIZED
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("kite_session=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # http base URL
    assert "Max-Age=2592000" in cookie  # 30 days
    me = client.get("/api/auth/me").json()
    assert me["email"] == NORMALIZED
    assert me["is_admin"] is False


def test_link_token_signs_in_once(client: TestClient, runtime: Runtime):
    _request(client)
    _, token = otp_and_token(runtime, NORMALIZED)

    first = client.post("/api/auth/verify-link", json={"token": token})
    again = client.post("/api/auth/verify-link", json={"token": token})

    assert first.status_code == 200
    assert again.status_code == 400
    assert "already been used" in again.json()["detail"]


def test_expired_link_is_refused(client: TestClient, runtime: Runtime, clock: ManualClock):
    _request(client)
    otp, token = otp_and_token(runtime, NORMALIZED)
    clock.advance(timedelta(minutes=15, seconds=1))

    by_token = client.post("/api/auth/verify-link", json={"token": token})
    by_otp = client.post("/api/auth/verify-link", json={"email": EMAIL, "otp": otp})

    assert by_token.status_code == 400
    assert "expired" in by_token.json()["detail"]
    assert by_otp.status_code == 400
    assert client.get("/api/auth/me").status_code == 401


def test_link_still_valid_just_before_expiry(client: TestClient, runtime: Runtime, clock):
    _request(client)
    _, token = otp_and_token(runtime, NORMALIZED)
    clock.advance(timedelta(minutes=14, seconds=59))
    assert client.post("/api/auth/verify-link", json={"token": token}).status_code == 200


def test_new_request_supersedes_the_old_link(client: TestClient, runtime: Runtime, clock):
    _request(client)
    _, old_token = otp_and_token(runtime, NORMALIZED)
    clock.advance(timedelta(seconds=1))
    _request(client)
    _, new_token = otp_and_token(runtime, NORMALIZED)

    assert client.post("/api/auth/verify-link", json={"token": old_token}).status_code == 400
    assert client.post("/api/auth/verify-link", json={"token": new_token}).status_code == 200


def test_wrong_otp_six_times_burns_the_code(client: TestClient, runtime: Runtime, clock):
    _request(client)
    otp, _ = otp_and_token(runtime, NORMALIZED)
    wrong = f"{(int(otp) + 1) % 1_000_000:06d}"
    details = []
    for _ in range(6):
        clock.advance(timedelta(seconds=61))  # stay under the per-minute limit
        response = client.post("/api/auth/verify-link", json={"email": EMAIL, "otp": wrong})
        assert response.status_code == 400
        details.append(response.json()["detail"])
    clock.advance(timedelta(seconds=61))
    right = client.post("/api/auth/verify-link", json={"email": EMAIL, "otp": otp})

    assert details[0] == "wrong code; 4 tries left"
    assert details[3] == "wrong code; 1 try left"
    assert "request a new one" in details[4]
    assert "burnt" in details[5]
    assert right.status_code == 400
    assert "burnt" in right.json()["detail"]
    assert client.get("/api/auth/me").status_code == 401


def test_otp_for_unknown_email_is_refused(client: TestClient):
    response = client.post(
        "/api/auth/verify-link", json={"email": "nobody@example.com", "otp": "123456"}
    )
    assert response.status_code == 400
    assert client.get("/api/auth/me").status_code == 401


def test_sixth_attempt_in_a_minute_is_rate_limited(client: TestClient, clock: ManualClock):
    for i in range(5):
        _request(client)
        clock.advance(timedelta(seconds=5 if i < 4 else 1))

    response = client.post("/api/auth/magic-link", json={"email": EMAIL})

    assert response.status_code == 429
    # the first attempt was 21 s ago, so it leaves the window in 39 s
    assert response.headers["retry-after"] == "39"
    assert "too many attempts" in response.json()["detail"]
    clock.advance(timedelta(seconds=39))
    assert client.post("/api/auth/magic-link", json={"email": EMAIL}).status_code == 202


def test_rate_limit_is_per_ip_across_emails(client: TestClient):
    for i in range(5):
        assert client.post("/api/auth/magic-link", json={"email": f"u{i}@x.in"}).status_code == 202
    response = client.post("/api/auth/magic-link", json={"email": "u9@x.in"})
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) == 60


def test_verify_needs_token_or_email_and_otp(client: TestClient):
    response = client.post("/api/auth/verify-link", json={"email": EMAIL})
    assert response.status_code == 422
    assert "either 'token'" in response.json()["detail"][0]["msg"]
    bad_otp = client.post("/api/auth/verify-link", json={"email": EMAIL, "otp": "12ab56"})
    assert bad_otp.status_code == 422
    assert bad_otp.json()["detail"][0]["field"] == "otp"


def test_invalid_email_is_422_naming_the_field(client: TestClient):
    response = client.post("/api/auth/magic-link", json={"email": "not-an-email"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "email"


def test_verify_page_posts_the_fragment_token(client: TestClient):
    page = client.get("/auth/verify")
    assert page.status_code == 200
    assert "/api/auth/verify-link" in page.text
    assert "location.hash" in page.text
