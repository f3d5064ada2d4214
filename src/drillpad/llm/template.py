"""Chat templates: how a (system, user) prompt becomes the text a model was trained on.

A model's manifest names its template (``chat_template``). Rendering splits the text in two:
the *prefix* (everything up to the end of the system prompt) and the *rest* (the user turn
and the assistant header). Engines cache the prefix's evaluated state, so consecutive drills
that share a system prompt do not pay for it again.

Templates carry a version; provenance records ``name/version`` and the hash of the template
definition, so a change here is visible in every generation recorded after it. The BOS token
is not part of the text: the tokenizer adds it when the model asks for one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Rendered:
    prefix: str
    rest: str

    @property
    def text(self) -> str:
        return self.prefix + self.rest


@dataclass(frozen=True)
class ChatTemplate:
    name: str
    version: int
    system: str
    """The system turn, formatted with ``{system}``; emitted only when there is a system prompt."""
    user: str
    """The user turn and the assistant header, formatted with ``{user}``."""
    user_alone: str | None = None
    """The user turn when there is no system prompt (templates without a system role)."""
    stop: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return f"{self.name}/{self.version}"

    @property
    def sha256(self) -> str:
        text = json.dumps(asdict(self), sort_keys=True)
        return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()

    def render(self, system: str, user: str) -> Rendered:
        if system:
            return Rendered(self.system.format(system=system), self.user.format(user=user))
        return Rendered("", (self.user_alone or self.user).format(user=user))


TEMPLATES: dict[str, ChatTemplate] = {
    t.name: t
    for t in (
        ChatTemplate(
            "chatml", 1,
            system="<|im_start|>system\n{system}<|im_end|>\n",
            user="<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n",
            stop=("<|im_end|>",),
        ),
        ChatTemplate(
            "llama-3", 1,
            system="<|start_header_id|>system<|end_header_id|>\n\n{system}<|eot_id|>",
            user="<|start_header_id|>user<|end_header_id|>\n\n{user}<|eot_id|>"
                 "<|start_header_id|>assistant<|end_header_id|>\n\n",
            stop=("<|eot_id|>",),
        ),
        ChatTemplate(
            "phi-3", 1,
            system="<|system|>\n{system}<|end|>\n",
            user="<|user|>\n{user}<|end|>\n<|assistant|>\n",
            stop=("<|end|>",),
        ),
        # Gemma has no system role: the system prompt opens the first user turn.
        ChatTemplate(
            "gemma", 1,
            system="<start_of_turn>user\n{system}\n\n",
            user="{user}<end_of_turn>\n<start_of_turn>model\n",
            user_alone="<start_of_turn>user\n{user}<end_of_turn>\n<start_of_turn>model\n",
            stop=("<end_of_turn>",),
        ),
    )
}


def template_named(name: str) -> ChatTemplate:
    try:
        return TEMPLATES[name]
    except KeyError:
        raise KeyError(f"chat template {name!r} is not supported (supported: {', '.join(sorted(TEMPLATES))})") \
            from None
