"""The ports an application hands to ``CodexAuthProvider(...)``, put in place of the runtime's.

The provider builds its services from the container's per-login factories with these
ports as arguments: the container itself (often the process's shared runtime) is never
overridden. An application that brings its own transport talks to something other than
the backend, so it gets no live catalog (no fetch of ``/codex/models`` with its token)
unless it passes one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..application.completion import CompletionService
from ..domain.ports import InstructionSource, ModelCatalog, ResponsesTransport, TokenStore
from .logins import Login

if TYPE_CHECKING:
    from .container import Container


@dataclass(frozen=True, slots=True)
class OwnPorts:
    token_store: TokenStore | None = None
    instruction_source: InstructionSource | None = None
    transport: ResponsesTransport | None = None
    model_catalog: ModelCatalog | None = None

    @property
    def given(self) -> bool:
        ports = (self.token_store, self.instruction_source, self.transport, self.model_catalog)
        return any(port is not None for port in ports)

    def default_service(self, container: Container) -> CompletionService:
        """The default login's service; an application's own token store is its default login."""
        if self.token_store is None:
            return self._service(container, container.token_store(), live=container.model_catalog)
        tokens = self.token_store
        return self._service(container, tokens, live=lambda: container.model_catalog_for(tokens=tokens))

    def named_service(self, container: Container, login: Login) -> CompletionService:
        """The service of a login a deployment names: its own store and catalog, these ports for the rest."""
        return self._service(container, login.tokens, live=lambda: login.catalog, chain=login.instructions)

    def _service(
        self,
        container: Container,
        tokens: TokenStore,
        *,
        live: Callable[[], ModelCatalog | None],
        chain: InstructionSource | None = None,
    ) -> CompletionService:
        catalog = self.model_catalog
        if catalog is None and self.transport is None:  # the real backend: the login's live catalog
            catalog = live()
        instructions = self.instruction_source
        if instructions is None:
            if chain is None or self.model_catalog is not None or self.transport is not None:
                # the chain's catalog link is the catalog this service uses, or there is none
                chain = container.instruction_source_for(
                    catalog=catalog if isinstance(catalog, InstructionSource) else None
                )
            instructions = chain
        return container.login_completion_service(
            tokens=tokens,
            instructions=instructions,
            catalog=catalog,
            transport=self.transport if self.transport is not None else container.transport(),
        )


def available_model_names(catalog: ModelCatalog | None) -> list[str] | None:
    """What the login's account may use, when its catalog is warm; ``None`` otherwise (never waits)."""
    if catalog is None:
        return None
    try:
        models = catalog.available_models()
    except Exception:
        return None
    return [model.slug for model in models] if models else None
