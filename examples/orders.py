"""The async half of the example service: the AsyncSession mistakes."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import Depends, FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

engine = create_async_engine("postgresql+asyncpg://app@db/app")
SessionLocal = async_sessionmaker(engine)  # expiry on: reads after commit() fail


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.http = httpx.AsyncClient()  # never closed at shutdown
    yield


app = FastAPI(lifespan=lifespan)


class Order:
    id: int
    total: int


async def get_session() -> AsyncIterator[AsyncSession]:
    session = SessionLocal()
    yield session
    await session.close()  # skipped when the request fails


async def notify(order_id: int) -> None:
    await app.state.http.post("https://hooks.example/orders", json={"id": order_id})


@app.post("/orders")
async def create_order(total: int, session: AsyncSession = Depends(get_session)) -> dict:
    order = Order()
    order.total = total
    session.add(order)
    session.commit()  # never awaited: nothing is committed
    asyncio.create_task(notify(order.id))  # nothing keeps the task
    return {"id": order.id}


@app.get("/orders/summary")
async def summary() -> dict:
    async with SessionLocal() as session:  # a session of its own, not from Depends
        orders, totals = await asyncio.gather(  # one session, two concurrent queries
            session.scalars(select(Order)),
            session.scalars(select(Order.total)),
        )
    return {"orders": len(orders.all()), "total": sum(totals)}
