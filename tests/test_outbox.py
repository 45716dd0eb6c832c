"""The outbox: sending stored e-mails over the secured connections of the settings
(STARTTLS, SSL, login) to a real local SMTP server with a certificate made for the
test; private files; counting; deleting every kind of file once too old."""

from __future__ import annotations

import datetime
import ipaddress
import os
import ssl
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from bot.mail import Handoff, handoff_message
from bot.outbox import Outbox, deliver
from bot.settings import SmtpSettings
from tests.assistant import free_port
from tests.test_handoff_mail import Inbox

USER, PASSWORD = "assistant", "mot-de-passe"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Tuple[Path, Path]:
    """A self-signed certificate for localhost, trusted through SSL_CERT_FILE."""
    folder = tmp_path_factory.mktemp("tls")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def _check_login(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok)


@pytest.fixture(params=["starttls", "ssl"])
def secured_server(
    request: pytest.FixtureRequest,
    certificate: Tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Tuple[str, int, Inbox]]:
    cert_file, key_file = certificate
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    inbox, port = Inbox(), free_port()
    # aiosmtpd does not see implicit TLS as TLS for AUTH: the client's TLS is checked
    # by the certificate instead (require_starttls, or an SSL-only socket).
    options: Dict[str, Any] = {"authenticator": _check_login, "auth_require_tls": False}
    if request.param == "ssl":
        options["ssl_context"] = context
    else:
        options.update(tls_context=context, require_starttls=True)
    controller = Controller(inbox, hostname="localhost", port=port, **options)
    controller.start()
    yield request.param, port, inbox
    controller.stop()


def settings(security: str, port: int, **overrides: Any) -> SmtpSettings:
    values: Dict[str, Any] = dict(
        host="localhost",
        port=port,
        security=security,
        user=USER,
        password=PASSWORD,
        sender="assistant@exemple.fr",
        dry_run=False,
        timeout_s=5,
    )
    values.update(overrides)
    return SmtpSettings(**values)


def message(conversation_id: str = "x") -> EmailMessage:
    handoff = Handoff(
        "Où s'inscrire ?", "camille@exemple.fr", ["Personne : bonjour"], None, conversation_id
    )
    return handoff_message(handoff, team="equipe@exemple.fr", sender="assistant@exemple.fr")


def test_secured_connection_with_login_sends_and_files_the_email(
    secured_server: Tuple[str, int, Inbox], tmp_path: Path
) -> None:
    security, port, inbox = secured_server
    outbox = Outbox(tmp_path)
    assert deliver(outbox.store(message()), settings(security, port), outbox) == "sent"
    assert len(inbox.envelopes) == 1
    assert inbox.messages()[0]["Reply-To"] == "camille@exemple.fr"
    assert outbox.pending() == [] and len(list(outbox.sent_folder.glob("*.eml"))) == 1


def test_a_wrong_password_keeps_the_email_in_the_outbox(
    secured_server: Tuple[str, int, Inbox], tmp_path: Path
) -> None:
    security, port, inbox = secured_server
    outbox = Outbox(tmp_path)
    assert (
        deliver(outbox.store(message()), settings(security, port, password="faux"), outbox)
        == "failed"
    )
    assert inbox.envelopes == [] and len(outbox.pending()) == 1


def test_dry_run_only_stores(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path)
    assert (
        deliver(outbox.store(message()), settings("none", free_port(), dry_run=True), outbox)
        == "queued"
    )
    stored: List[Path] = outbox.pending()
    assert len(stored) == 1 and b"Subject:" in stored[0].read_bytes()


def _age(path: Path, days: float) -> Path:
    when = time.time() - days * 86400
    os.utime(path, (when, when))
    return path


def _partial(folder: Path, name: str) -> Path:
    """What a crash while writing an e-mail leaves."""
    path = folder / f"{name}.part"
    path.write_bytes(b"Subject: half")
    return path


def test_files_and_folders_are_for_the_assistant_user_only(tmp_path: Path) -> None:
    usual = os.umask(0o022)  # the common umask, which lets anyone read a new file
    try:
        outbox = Outbox(tmp_path / "outbox")
        stored = outbox.store(message())
        sent = outbox.mark_sent(outbox.store(message()))
    finally:
        os.umask(usual)
    assert stored.stat().st_mode & 0o777 == 0o600
    assert sent.stat().st_mode & 0o777 == 0o600
    assert outbox.folder.stat().st_mode & 0o777 == 0o700
    assert outbox.sent_folder.stat().st_mode & 0o777 == 0o700


def test_purge_deletes_every_kind_of_old_file_and_keeps_recent_ones(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path)
    failed = outbox.store(message())
    assert deliver(failed, settings("none", free_port(), user=""), outbox) == "failed"
    pending = outbox.store(message())
    sent = outbox.mark_sent(outbox.store(message()))
    old = [_age(path, 31) for path in (failed, pending, sent, _partial(tmp_path, "old"))]
    recent = [
        outbox.store(message()),
        outbox.mark_sent(outbox.store(message())),
        _partial(tmp_path, "recent"),
    ]
    assert outbox.purge(time.time() - 30 * 86400) == len(old)
    assert [path for path in old if path.exists()] == []
    assert all(path.exists() for path in recent)


def test_counts_by_day_and_by_conversation(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path)
    _age(outbox.store(message("a")), 2)
    outbox.mark_sent(outbox.store(message("a")))
    outbox.store(message("b"))
    assert outbox.count_since(time.time() - 86400) == 2
    assert outbox.count_from("a") == 2 and outbox.count_from("b") == 1
    assert outbox.count_from("c") == 0
