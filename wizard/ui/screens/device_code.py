"""Device-code sign-in: shows the URL to open and the code to type there.

Pushed from the sign-in worker thread (through ``call_from_thread``) while azure-identity
waits for the operator to finish in a browser; the app dismisses it when sign-in ends."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import LoadingIndicator, Static

from wizard.ui import stylesheets
from wizard.ui.widgets.plain import Plain


class DeviceCodeDialog(ModalScreen[None]):
    """No buttons: it closes by itself once the browser sign-in completes or fails."""

    CSS_PATH = stylesheets.DIALOGS

    def __init__(self, verification_uri: str, user_code: str, expires_on: Any) -> None:
        super().__init__(classes="dialog-screen")
        self.verification_uri = verification_uri
        self.user_code = user_code
        self.expires_on = expires_on

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = "Sign in to Azure"
            yield Plain(f"Open {self.verification_uri} in a browser and enter the code:", classes="dialog-body")
            yield Plain(self.user_code, id="device-code")
            expires = f"The code expires at {self.expires_on}." if self.expires_on else ""
            yield Plain(f"{expires} Waiting for you to finish signing in…", classes="dialog-body")
            yield LoadingIndicator()
