"""AIO309 in the editor: the finding points at the relationship's declaration
(`relatedInformation`, in the models module) and the hover shows it."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
import pytest_lsp
from lsp_client import SERVER_COMMAND, diagnostics, initialize_params, make_client, open_document
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

pytestmark = pytest.mark.asyncio

MODELS = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    items: Mapped[list["Item"]] = relationship(
        back_populates="order",
    )


class Item(Base):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    order: Mapped[Order] = relationship(back_populates="items")
"""

ROUTES = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Order


async def count(session: AsyncSession, order_id: int) -> int:
    order = await session.get(Order, order_id)
    return len(order.items)
"""


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=SERVER_COMMAND, client_factory=make_client)
)
async def client(lsp_client: LanguageClient, tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "shop"\n')
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "models.py").write_text(MODELS)
    await lsp_client.initialize_session(initialize_params(tmp_path))
    yield
    await lsp_client.shutdown_session()


async def test_finding_points_at_the_declaration_and_hover_shows_it(
    client: LanguageClient, tmp_path: Path
) -> None:
    uri = open_document(client, tmp_path / "app" / "routes.py", ROUTES)
    (found,) = await diagnostics(client, uri, 1)
    assert found.code == "AIO309"
    assert found.range.start == types.Position(line=7, character=15)
    assert found.related_information is not None
    (place,) = found.related_information
    assert Path(unquote(urlparse(place.location.uri).path)).name == "models.py"
    assert place.location.range.start.line == 11  # `items: ... = relationship(` (0-based)
    assert place.message == '`Order.items` is declared here (lazy="select")'

    shown = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=7, character=20),
        )
    )
    assert shown is not None and isinstance(shown.contents, types.MarkupContent)
    text = shown.contents.value
    declaration = (
        '```python\nitems: Mapped[list["Item"]] = relationship(\n'
        '    back_populates="order",\n)\n```'
    )
    assert declaration in text
    assert "models.py:12" in text
    assert "## What it does" in text  # the rule's doc follows
