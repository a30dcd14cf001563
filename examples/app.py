"""A small FastAPI service with the mistakes aiolint exists to catch."""

import asyncio
import subprocess
import time

import httpx
import requests
from fastapi import Depends, FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine("postgresql://app@db/app")
SessionLocal = sessionmaker(bind=engine)
db_session = SessionLocal()  # one session shared by every request

app = FastAPI()


class User:
    id: int
    name: str


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


@app.on_event("startup")
async def warm_cache() -> None:
    time.sleep(1)


@app.get("/users/{user_id}")
async def read_user(user_id: int, db: Session = Depends(get_db)) -> dict:
    user = db.query(User).filter(User.id == user_id).first()
    rows = db.execute(text(f"SELECT * FROM audit WHERE user_id = {user_id}"))
    return {"user": user, "audit": list(rows)}


@app.get("/weather")
async def weather(city: str) -> dict:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"https://weather.example/{city}")
    report = requests.get("https://backup.example/weather", params={"city": city}, timeout=5)
    return {"primary": response.json(), "backup": report.json()}


@app.post("/deploy")
async def deploy() -> dict:
    subprocess.run(["./deploy.sh"], check=True)
    with open("/var/log/deploy.log") as log:
        last = log.readlines()[-1]
    return {"last": last}


async def refresh_all(ids: list[int]) -> list[dict]:
    try:
        return await asyncio.gather(*[read_user(i) for i in ids])
    except asyncio.CancelledError:
        return []
