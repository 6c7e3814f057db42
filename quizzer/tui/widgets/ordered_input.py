"""An Input whose editing keys take effect in the order they were typed."""

from __future__ import annotations

from textual import events
from textual.widgets import Input

__all__ = ["OrderedInput"]


class OrderedInput(Input):
    """:class:`~textual.widgets.Input`, with its own key bindings (backspace, the
    arrows, Enter, ctrl+w…) run as the key arrives, in order with the typed characters.

    Fix: Textual inserts a typed character in the Input's own key handler but runs a
    bound key's action only after the key has bubbled up to the app, so keys that
    arrive together ("ba", backspace, "c": typing while the app is busy, a keyboard
    macro, a terminal sending a burst) could apply the backspace after the "c". A typed
    answer "autoencoding" corrected with a backspace was graded as "autoencodin"
    (Textual issue #6605). Priority bindings of the screen and app still come first, as
    Textual checks those before the key reaches the Input.
    """

    async def _on_key(self, event: events.Key) -> None:
        if not event.is_printable:
            for binding in self._bindings.key_to_bindings.get(event.key, ()):
                if binding.priority:
                    continue
                event.stop()
                event.prevent_default()
                self._restart_blink()
                await self.run_action(binding.action)
                return
        await super()._on_key(event)
