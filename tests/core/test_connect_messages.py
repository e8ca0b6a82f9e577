"""Connect failures become sentences that name the likely cause, never a bare errno."""

from __future__ import annotations

from natsobj_gui.core.connection import describe_connect_error
from natsobj_gui.core.types import ConnectProfile


def test_reset_during_tls_without_client_cert_suggests_the_certificate() -> None:
    # TLS 1.3: the server's "certificate required" alert can lose the race with our write.
    profile = ConnectProfile(servers=("tls://127.0.0.1:4443",), tls_ca="/ca.pem")
    for exc in (BrokenPipeError(32, "Broken pipe"), ConnectionResetError(104, "reset")):
        text = describe_connect_error(exc, profile)
        assert "requires a client certificate" in text
        assert "tls://127.0.0.1:4443" in text


def test_reset_on_plain_connection_stays_generic() -> None:
    text = describe_connect_error(
        BrokenPipeError(32, "Broken pipe"), ConnectProfile(servers=("nats://127.0.0.1:4222",))
    )
    assert "client certificate" not in text
    assert "cannot connect to nats://127.0.0.1:4222" in text


def test_password_in_url_is_never_shown() -> None:
    profile = ConnectProfile(servers=("nats://alice:s3cret@127.0.0.1:4222",))
    text = describe_connect_error(ConnectionRefusedError(111, "refused"), profile)
    assert "s3cret" not in text


def test_reset_during_tls_with_client_cert_suggests_it_was_refused() -> None:
    # The same race with a certificate the server does not trust: the alert naming the
    # unknown CA may never be read, only the closed connection.
    profile = ConnectProfile(
        servers=("tls://127.0.0.1:4443",), tls_ca="/ca.pem", tls_cert="/c.pem", tls_key="/k.pem"
    )
    for exc in (BrokenPipeError(32, "Broken pipe"), ConnectionResetError(104, "reset")):
        text = describe_connect_error(exc, profile)
        assert "did not accept the client certificate" in text
        assert "tls://127.0.0.1:4443" in text
