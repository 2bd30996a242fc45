"""The lesson for a step: Markdown from ``assets/lessons``.

Lessons are written separately from code; a missing file is normal while they are being
written, so it gets a plain sentence rather than an error.

Parsing and laying out a lesson is the dearest part of a step view, and a view opened on its
Checks or Run tab may never show it, so the Markdown is built the first time the lesson is on
screen rather than when the view is composed."""

from __future__ import annotations

from pathlib import Path

from textual import events
from textual.app import ComposeResult
from textual.containers import VerticalScroll

from wizard.ui.widgets.plain import Plain

LESSONS_DIR = Path(__file__).resolve().parents[3] / "assets" / "lessons"


def lesson_text(file_name: str, title: str, summary: str, lessons_dir: Path = LESSONS_DIR) -> str:
    """The lesson Markdown, or a short stand-in naming the step and the missing file."""
    path = lessons_dir / file_name
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return f"# {title}\n\n{summary}\n\n*The lesson for this step is not written yet ({file_name}).*\n"


class LessonView(VerticalScroll, can_focus=True):
    """Scrollable lesson; focusable so arrow keys and PageDown scroll it."""

    def __init__(self, file_name: str, title: str, summary: str) -> None:
        super().__init__(classes="lesson")
        self.text = lesson_text(file_name, title, summary)
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield Plain("Loading the lesson…", classes="panel-note lesson-loading")

    def on_show(self, event: events.Show) -> None:
        if not self.loaded:
            self.loaded = True
            from textual.widgets import Markdown  # Markdown parsing loads ~85 ms of modules: not before the first frame

            self.query(".lesson-loading").remove()
            self.mount(Markdown(self.text))
