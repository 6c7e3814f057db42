"""The footer of every screen: Textual's, rebuilt only when the keys it shows change."""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer

__all__ = ["KeyFooter"]


class KeyFooter(Footer):
    """Textual's :class:`~textual.widgets.Footer`, minus the needless rebuilds.

    The Footer mounts a widget per key and rebuilds them all whenever the screen's
    bindings *may* have changed, which is every time focus moves. The review screen
    moves focus with every card (to the answer widgets and back), and those rebuilds
    were a third of the time from a rating key to the next card painted. This one
    rebuilds only when the keys, labels or enabled states it would show differ.
    """

    _shown: tuple[Any, ...] | None = None

    def bindings_changed(self, screen: Screen[Any]) -> None:
        """Rebuild when what the footer shows changed (Footer's own rules otherwise)."""
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            shown = tuple(
                (binding.key, binding.action, binding.description, enabled, tooltip)
                for _node, binding, enabled, tooltip in screen.active_bindings.values()
                if binding.show
            )
            if shown == self._shown and self._bindings_ready:
                return
            self._shown = shown
        super().bindings_changed(screen)
