"""The footer of every screen: the keys that act now, drawn as one line of text."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import events
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget

__all__ = ["KeyFooter"]


class KeyFooter(Widget):
    """The keys of the focused widget and its screen, like Textual's Footer, in one line.

    Textual's Footer mounts a widget per key and rebuilds them all whenever the
    bindings may have changed, which is every time focus moves or a key is offered or
    withdrawn: the review screen does both with every card, and those rebuilds (≈ 17 ms
    a card) were most of the time from a rating key to the next card painted. This one
    redraws a line of text. It looks the same (the same theme colours), and a click on
    a key presses it. The command palette's key sits at the right when there is room.
    """

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"key-footer--key", "key-footer--description", "key-footer--palette"}
    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom;
        height: 1;
        width: 1fr;
        text-wrap: nowrap;
        text-overflow: clip;
        color: $footer-foreground;
        background: $footer-background;
        .key-footer--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        .key-footer--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        .key-footer--palette {
            color: $footer-description-foreground;
        }
    }
    """

    def __init__(self, show_command_palette: bool = True, **kwargs: Any):
        super().__init__(**kwargs)
        self.show_command_palette = show_command_palette
        #: The keys shown: (start column, end column, key, enabled) for clicks.
        self._spans: list[tuple[int, int, str, bool]] = []
        self._shown: tuple[Any, ...] | None = None
        #: Each line drawn, and its spans, by what it showed (see :meth:`render_line`).
        self._lines: dict[tuple[Any, ...], tuple[Strip, list[tuple[int, int, str, bool]]]] = {}

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _keys(self) -> list[tuple[str, str, str, bool]]:
        """(key, key as shown, description, enabled), one per action, in binding order."""
        seen: set[str] = set()
        keys = []
        palette = self.app.COMMAND_PALETTE_BINDING
        for _node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if not binding.show or binding.action in seen or binding.key == palette:
                continue
            seen.add(binding.action)
            display = self.app.get_key_display(binding)
            keys.append((binding.key, display, binding.description, enabled))
        return keys

    def _bindings_changed(self, screen: Screen[Any]) -> None:
        if self.is_attached and screen is self.screen:
            shown = tuple(self._keys())
            if shown != self._shown:
                self._shown = shown
                self.refresh()

    def render_line(self, y: int) -> Strip:
        """The line, drawn again only for keys, a width or a theme not drawn before.

        The review screen's footer switches between two sets of keys with every card
        (to answer, to rate), and drawing one took ≈ 1.5 ms of each new card's frame:
        styling the keys' text and turning it into segments."""
        if y:
            return super().render_line(y)
        shown = self._shown or tuple(self._keys())
        key = (shown, self.size.width, self.app.theme, self._palette_entry())
        cached = self._lines.get(key)
        if cached is None:
            if len(self._lines) >= 32:  # a few sets of keys a screen; never unbounded
                self._lines.clear()
            self._render_content()  # through render(), which notes the spans
            cached = (super().render_line(0), self._spans)
            self._lines[key] = cached
        self._dirty_regions.clear()
        strip, self._spans = cached
        return strip

    def _palette_entry(self) -> tuple[str, bool] | None:
        """The command palette's key as the footer shows it at the right (its label,
        whether it is enabled), or None when the footer doesn't show it."""
        if not (self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE):
            return None
        entry = self.screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
        if entry is None:
            return None
        return f"▏{self.app.get_key_display(entry[1])} {entry[1].description} ", entry[2]

    def render(self) -> Text:
        key_style = self.get_component_rich_style("key-footer--key")
        description_style = self.get_component_rich_style("key-footer--description")
        line = Text(no_wrap=True, overflow="crop", end="")
        self._spans = []
        for key, display, description, enabled in self._shown or tuple(self._keys()):
            start = line.cell_len
            line.append(f" {display} ", key_style)
            if description:
                line.append(f"{description} ", description_style)
            if not enabled:
                line.stylize("dim", start)
            self._spans.append((start, line.cell_len, key, enabled))
        palette = self._palette_entry()
        if palette is not None:
            label, enabled = palette
            room = self.size.width - line.cell_len
            if room >= len(label):
                start = self.size.width - len(label)
                line.append(" " * (room - len(label)))
                line.append(label, self.get_component_rich_style("key-footer--palette"))
                key = self.app.COMMAND_PALETTE_BINDING
                self._spans.append((start, self.size.width, key, enabled))
        return line

    def on_click(self, event: events.Click) -> None:
        """A click on a key presses it (a dimmed one rings the bell, as in Textual)."""
        for start, end, key, enabled in self._spans:
            if start <= event.x < end:
                if enabled:
                    self.app.simulate_key(key)
                else:
                    self.app.bell()
                return
