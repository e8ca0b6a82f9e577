"""The form for one connection profile: servers, auth, TLS, JetStream domain/prefix, inbox prefix.

Secrets are typed into password fields and handed out by `secrets()`; a stored secret is never
loaded back into a widget (the field shows a placeholder saying one is kept in the keyring).
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from natsobj_gui.core.profiles import (
    AuthKind,
    Profile,
    SecretKind,
    parse_servers,
    plaintext_warning,
    split_userinfo,
)

WARNING_STYLE = "color: #b26a00;"
AUTH_LABELS = {
    AuthKind.NONE: "No authentication",
    AuthKind.USER: "User and password",
    AuthKind.TOKEN: "Token",
    AuthKind.NKEY: "NKey",
    AuthKind.CREDS: "Credentials file (JWT)",
}
STORED_HINT = "saved in the system keyring — type to replace"
SESSION_HINT = "kept in memory until the app quits — type to replace"


class PathField(QWidget):
    """A path line edit with a Browse… button."""

    def __init__(self, caption: str, file_filter: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QLineEdit()
        self.edit.setClearButtonEnabled(True)
        self.browse = QPushButton("Browse…")
        self.browse.setAutoDefault(False)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.edit, 1)
        lay.addWidget(self.browse)
        self._caption, self._filter = caption, file_filter
        self.browse.clicked.connect(self._pick)

    def _pick(self) -> None:
        # A non-modal file dialog: no nested event loop under qasync.
        dlg = QFileDialog(self, self._caption, self.edit.text(), self._filter)
        dlg.setFileMode(QFileDialog.FileMode.ExistingFile)
        dlg.fileSelected.connect(self.edit.setText)
        dlg.open()

    def text(self) -> str:
        return self.edit.text().strip()

    def setText(self, text: str) -> None:
        self.edit.setText(text)


def _secret_edit() -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


class ProfileEditor(QWidget):
    """Edits a Profile; `changed` fires on every edit."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._profile = Profile("")
        self._stored: set[str] = set()
        self.stored_hint = STORED_HINT  # where a stored secret is: keyring or this session
        self.name = QLineEdit()
        self.servers = QLineEdit()
        self.servers.setPlaceholderText("nats://host:4222, tls://other:4222")
        self.servers.setToolTip("One or more server URLs, separated by commas")
        self.auth = QComboBox()
        for kind, label in AUTH_LABELS.items():
            self.auth.addItem(label, kind)
        self.user = QLineEdit()
        self.password = _secret_edit()
        self.token = _secret_edit()
        self.nkey_file = PathField(
            "NKey seed file", "NKey seeds (*.nk *.seed *.txt);;All files (*)"
        )
        self.nkey_seed = _secret_edit()
        self.nkey_seed.setPlaceholderText("or paste a seed (SU…)")
        self.creds_file = PathField("Credentials file", "Credentials (*.creds);;All files (*)")
        self.tls_ca = PathField("CA certificate", "PEM (*.pem *.crt);;All files (*)")
        self.tls_cert = PathField("Client certificate", "PEM (*.pem *.crt);;All files (*)")
        self.tls_key = PathField("Client key", "PEM (*.pem *.key);;All files (*)")
        self.tls_first = QCheckBox("TLS handshake first (server has handshake_first)")
        self.js_domain = QLineEdit()
        self.js_prefix = QLineEdit()
        self.js_prefix.setPlaceholderText("$JS.API")
        self.inbox_prefix = QLineEdit()
        self.inbox_prefix.setPlaceholderText("_INBOX")
        self.warning = QLabel()
        self.warning.setStyleSheet(WARNING_STYLE)
        self.warning.setWordWrap(True)
        self.warning.setVisible(False)
        self.origin = QLabel()
        self.origin.setVisible(False)

        form = QFormLayout()
        form.addRow("&Name:", self.name)
        form.addRow("&Servers:", self.servers)
        form.addRow("&Authentication:", self.auth)
        self._rows: dict[QWidget, AuthKind | None] = {}
        for label, widget, kind in (
            ("&User:", self.user, AuthKind.USER),
            ("&Password:", self.password, AuthKind.USER),
            ("&Token:", self.token, AuthKind.TOKEN),
            ("Seed &file:", self.nkey_file, AuthKind.NKEY),
            ("Seed:", self.nkey_seed, AuthKind.NKEY),
            ("&Credentials:", self.creds_file, AuthKind.CREDS),
        ):
            form.addRow(label, widget)
            self._rows[widget] = kind
        self._form = form
        tls = QGroupBox("TLS")
        tls_form = QFormLayout(tls)
        tls_form.addRow("CA file:", self.tls_ca)
        tls_form.addRow("Client cert:", self.tls_cert)
        tls_form.addRow("Client key:", self.tls_key)
        tls_form.addRow(self.tls_first)
        js = QGroupBox("JetStream and inboxes")
        js_form = QFormLayout(js)
        js_form.addRow("JetStream domain:", self.js_domain)
        js_form.addRow("API prefix:", self.js_prefix)
        js_form.addRow("Inbox prefix:", self.inbox_prefix)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(form)
        lay.addWidget(self.warning)
        lay.addWidget(tls)
        lay.addWidget(js)
        lay.addWidget(self.origin)
        lay.addStretch(1)

        for edit in (self.name, self.servers, self.user, self.password, self.token, self.nkey_seed):
            edit.textChanged.connect(self._on_edit)
        for field in (self.js_domain, self.js_prefix, self.inbox_prefix):
            field.textChanged.connect(self._on_edit)
        for path in (self.nkey_file, self.creds_file, self.tls_ca, self.tls_cert, self.tls_key):
            path.edit.textChanged.connect(self._on_edit)
        self.auth.currentIndexChanged.connect(self._on_edit)
        self.tls_first.toggled.connect(self._on_edit)
        self._update_rows()

    def mark_stored(self, kinds: set[str]) -> None:
        """These secret kinds are stored now (after the keyring question): the form stays."""
        self._stored = set(kinds)
        for edit, kind in (
            (self.password, SecretKind.PASSWORD),
            (self.token, SecretKind.TOKEN),
            (self.nkey_seed, SecretKind.NKEY_SEED),
        ):
            edit.setPlaceholderText(self.stored_hint if kind in self._stored else "")
        self.changed.emit()

    def set_profile(self, profile: Profile, stored_secrets: set[str] | None = None) -> None:
        """Show a profile; `stored_secrets` names the kinds the keyring holds for it."""
        self._profile = profile
        self._stored = set(stored_secrets or ())
        widgets = [self.name, self.servers, self.user, self.js_domain, self.js_prefix]
        for w in (*widgets, self.inbox_prefix, self.auth, self.tls_first):
            w.blockSignals(True)
        self.name.setText(profile.name)
        self.servers.setText(", ".join(profile.servers))
        self.auth.setCurrentIndex(max(0, self.auth.findData(profile.auth)))
        self.user.setText(profile.user)
        for edit, kind in (
            (self.password, SecretKind.PASSWORD),
            (self.token, SecretKind.TOKEN),
            (self.nkey_seed, SecretKind.NKEY_SEED),
        ):
            edit.blockSignals(True)
            edit.clear()
            edit.setPlaceholderText(self.stored_hint if kind in self._stored else "")
            edit.blockSignals(False)
        self.nkey_file.setText(profile.nkey_seed_file)
        self.creds_file.setText(profile.creds_file)
        self.tls_ca.setText(profile.tls_ca)
        self.tls_cert.setText(profile.tls_cert)
        self.tls_key.setText(profile.tls_key)
        self.tls_first.setChecked(profile.tls_handshake_first)
        self.js_domain.setText(profile.js_domain)
        self.js_prefix.setText(profile.js_api_prefix)
        self.inbox_prefix.setText(profile.inbox_prefix)
        for w in (*widgets, self.inbox_prefix, self.auth, self.tls_first):
            w.blockSignals(False)
        self.origin.setText(f"Imported from nats context “{profile.context}”")
        self.origin.setVisible(bool(profile.context))
        self._update_rows()
        self.setEnabled(not profile.embedded)

    def auth_kind(self) -> AuthKind:
        return AuthKind(self.auth.currentData())

    def profile(self) -> Profile:
        """The edited profile (same id as the one shown)."""
        auth = self.auth_kind()
        return replace(
            self._profile,
            name=self.name.text().strip(),
            servers=parse_servers(self.servers.text()),
            auth=auth,
            user=self.user.text().strip() if auth is AuthKind.USER else "",
            nkey_seed_file=self.nkey_file.text() if auth is AuthKind.NKEY else "",
            creds_file=self.creds_file.text() if auth is AuthKind.CREDS else "",
            tls_ca=self.tls_ca.text(),
            tls_cert=self.tls_cert.text(),
            tls_key=self.tls_key.text(),
            tls_handshake_first=self.tls_first.isChecked(),
            js_domain=self.js_domain.text().strip(),
            js_api_prefix=self.js_prefix.text().strip(),
            inbox_prefix=self.inbox_prefix.text().strip(),
        )

    def typed_secrets(self) -> dict[str, str]:
        """Secrets typed in this session for the chosen auth kind (empty fields are left out)."""
        auth = self.auth_kind()
        values = {
            SecretKind.PASSWORD: self.password.text() if auth is AuthKind.USER else "",
            SecretKind.TOKEN: self.token.text() if auth is AuthKind.TOKEN else "",
            SecretKind.NKEY_SEED: self.nkey_seed.text().strip()
            if auth is AuthKind.NKEY and not self.nkey_file.text()
            else "",
        }
        return {str(k): v for k, v in values.items() if v}

    def problems(self) -> list[str]:
        """What must be fixed before saving."""
        p = self.profile()
        out: list[str] = []
        if not p.name:
            out.append("Give the profile a name.")
        if not p.servers:
            out.append("Enter at least one server URL.")
        bad = [s for s in p.servers if s.split("://", 1)[0] not in ("nats", "tls", "ws", "wss")]
        if bad:
            out.append(f"Unsupported URL scheme in {', '.join(bad)} (use nats://, tls://, ws://).")
        if any(split_userinfo(url)[1] for url in p.servers):
            out.append("Put the user and password (or token) in Authentication, not in the URL.")
        kind = p.secret_kind
        has_secret = bool(self.typed_secrets()) or (kind is not None and kind in self._stored)
        if p.auth is AuthKind.USER and not p.user:
            out.append("Enter the user name.")
        if p.auth is AuthKind.USER and not has_secret:
            out.append("Enter the password.")
        if p.auth is AuthKind.TOKEN and not has_secret:
            out.append("Enter the token.")
        if p.auth is AuthKind.NKEY and not (p.nkey_seed_file or has_secret):
            out.append("Choose an NKey seed file or paste a seed.")
        if p.auth is AuthKind.CREDS and not p.creds_file:
            out.append("Choose a credentials file.")
        if bool(p.tls_cert) != bool(p.tls_key) and not p.tls_cert:
            out.append("A client key needs its client certificate.")
        return out

    def _on_edit(self) -> None:
        self._update_rows()
        self.changed.emit()

    def _update_rows(self) -> None:
        auth = self.auth_kind()
        for widget, kind in self._rows.items():
            self._form.setRowVisible(widget, kind is auth)
        warning = plaintext_warning(self.profile())
        self.warning.setText(f"⚠ {warning}" if warning else "")
        self.warning.setVisible(bool(warning))
