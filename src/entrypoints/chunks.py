"""The stream chunks handed to LiteLLM, built for what LiteLLM's stream wrapper then does with them.

In a paced answer each network read carries one text delta, so the provider
hands LiteLLM one chunk per delta and every microsecond per chunk counts twice:
once building it, once in ``CustomStreamWrapper``. Two things make both cheaper
without changing what the caller gets:

- :class:`CodexChunk` answers ``usage`` with ``None`` while none is set. LiteLLM
  asks ``hasattr(chunk, "usage")`` for every chunk (and again for each one when
  the stream ends); on a plain ``ModelResponseStream`` without usage that is a
  pydantic ``__getattr__`` raising ``AttributeError``, about 20 µs a chunk. The
  dump is unchanged: ``usage`` appears only once set, as before.
- :func:`text_chunk` builds a text-only chunk as shallow copies of built
  prototypes with the text swapped in (about 3 µs instead of 15 µs through the
  three constructors). It is used only while LiteLLM's models keep the layout
  the copies rely on (checked once at import); otherwise the constructors run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from litellm.types.utils import Delta, ModelResponseStream, StreamingChoices


class CodexChunk(ModelResponseStream):
    """A ``ModelResponseStream`` whose ``usage`` reads ``None`` until set; see the module docstring."""

    if TYPE_CHECKING:  # ModelResponseStream's own __init__ runs; mypy would synthesise one from the fields

        def __init__(self, **kwargs: Any) -> None: ...

    @property  # type: ignore[misc]  # writes still go to pydantic's private storage, which this reads
    def _hidden_params(self) -> Any:  # type: ignore[override]
        """Read through the class, not pydantic's ``__getattr__``; LiteLLM reads it twice a chunk."""
        return self.__pydantic_private__["_hidden_params"]  # type: ignore[index]

    @property
    def usage(self) -> Any:
        extra = self.__pydantic_extra__
        return extra.get("usage") if extra else None

    @usage.setter
    def usage(self, value: Any) -> None:
        # What pydantic does for an extra attribute of a plain ModelResponseStream.
        extra = self.__pydantic_extra__
        if extra is None:  # pragma: no cover - extra="allow" always gives a dict
            extra = {}
            object.__setattr__(self, "__pydantic_extra__", extra)
        extra["usage"] = value
        self.__pydantic_fields_set__.add("usage")

    @usage.deleter
    def usage(self) -> None:
        if self.__pydantic_extra__:
            self.__pydantic_extra__.pop("usage", None)
        self.__pydantic_fields_set__.discard("usage")


def streaming_choice(*, index: int, delta: Delta, finish_reason: str | None) -> StreamingChoices:
    """``StreamingChoices(...)`` for one chunk, at a third of its cost.

    Its ``__init__`` writes each attribute through pydantic (about 15 µs a chunk);
    a copy of a built prototype with its extra values swapped gives the same
    object. A finish reason (once per answer) goes through the constructor, which
    normalises it.
    """
    if finish_reason is not None or index != 0 or not _FAST:
        return StreamingChoices(index=index, delta=delta, finish_reason=finish_reason)
    choice = _PROTOTYPE_CHOICE.model_copy()
    choice.__pydantic_extra__["delta"] = delta  # type: ignore[index]
    return choice


def text_chunk(*, chunk_id: str, model: str, created: int, text: str) -> CodexChunk:
    """The chunk of a read that brought text only (no role, reasoning, tool call, finish or usage)."""
    if not _FAST:
        return CodexChunk(
            id=chunk_id,
            model=model,
            created=created,
            choices=[
                StreamingChoices(index=0, delta=Delta(content=text, provider_specific_fields=None), finish_reason=None)
            ],
        )
    # What pydantic's ``model_copy`` does (its four slots, copied shallowly), minus its own overhead.
    delta = _new(Delta)
    _set(delta, "__dict__", {**_PROTOTYPE_DELTA.__dict__})
    _set(delta, "__pydantic_extra__", {**_DELTA_EXTRA, "content": text})
    _set(delta, "__pydantic_fields_set__", set(_DELTA_FIELDS_SET))
    _set(delta, "__pydantic_private__", None)
    choice = _new(StreamingChoices)
    _set(choice, "__dict__", {})
    _set(choice, "__pydantic_extra__", {**_CHOICE_EXTRA, "delta": delta})
    _set(choice, "__pydantic_fields_set__", set(_CHOICE_FIELDS_SET))
    _set(choice, "__pydantic_private__", None)
    chunk = _new(CodexChunk)
    fields = {**_PROTOTYPE_CHUNK.__dict__, "id": chunk_id, "model": model, "created": created, "choices": [choice]}
    _set(chunk, "__dict__", fields)
    _set(chunk, "__pydantic_extra__", {})
    _set(chunk, "__pydantic_fields_set__", set(_CHUNK_FIELDS_SET))
    # Every chunk owns its hidden-params dict: LiteLLM writes into the last chunk's.
    _set(chunk, "__pydantic_private__", {"_hidden_params": {}, "_response_headers": None})
    return chunk


_PROTOTYPE_DELTA = Delta(content="", provider_specific_fields=None)
_PROTOTYPE_CHOICE = StreamingChoices(index=0, delta=Delta(), finish_reason=None)
_PROTOTYPE_CHUNK = CodexChunk(id="chatcmpl-prototype", model="", created=0, choices=[_PROTOTYPE_CHOICE])
_new = object.__new__
_set = object.__setattr__
_DELTA_EXTRA = dict(_PROTOTYPE_DELTA.__pydantic_extra__ or {})
_DELTA_FIELDS_SET = frozenset(_PROTOTYPE_DELTA.__pydantic_fields_set__)
_CHOICE_EXTRA = dict(_PROTOTYPE_CHOICE.__pydantic_extra__ or {})
_CHOICE_FIELDS_SET = frozenset(_PROTOTYPE_CHOICE.__pydantic_fields_set__)
_CHUNK_FIELDS_SET = frozenset(_PROTOTYPE_CHUNK.__pydantic_fields_set__)
_FAST = (
    set(_PROTOTYPE_CHOICE.__pydantic_extra__ or ()) == {"finish_reason", "index", "delta", "logprobs"}
    and set(_PROTOTYPE_DELTA.__pydantic_extra__ or ()) >= {"content"}
    and set(_PROTOTYPE_CHUNK.__dict__) >= {"id", "model", "created", "choices"}
    and set(_PROTOTYPE_CHUNK.__pydantic_private__ or ()) == {"_hidden_params", "_response_headers"}
    and _PROTOTYPE_DELTA.__pydantic_private__ is None
    and _PROTOTYPE_CHOICE.__pydantic_private__ is None
    and not _PROTOTYPE_CHOICE.__dict__
    and not _PROTOTYPE_CHUNK.__pydantic_extra__
)
"""The copies are used only while LiteLLM keeps this layout (so in 1.106 to 1.108)."""
