"""The lesson's FastAPI app, reduced to the routes issue #13's table measures.

GET /notes/{note_id} and GET /me with a bearer token, as the lesson builds
them: OAuth2PasswordBearer -> python-jose HS256 decode -> the user row
(get_current_user) -> is_active (get_current_active_user) -> the note row
owned by the user, 404 otherwise; SQLite through SQLAlchemy with one session
per request (get_db). GET /data with an X-API-Key header, as the lesson's
verify_api_key: the key looked up in VALID_API_KEYS (the seeded keys, read
from the database at start). Sync path operations, as the lesson writes
them, so FastAPI runs them in its thread pool.

Run (Debian: apt-get install python3-fastapi python3-uvicorn python3-jose
python3-sqlalchemy), with LESSON_SECRET_KEY and LESSON_DB set:

    python3 app.py seed 64            # users 1..64 with a note and an API key each; prints "token note_id api_key" lines
    python3 -m uvicorn app:app --host 127.0.0.1 --port 18090 --workers 1 --no-access-log

bench.sh, beside this file, does all of it and drives the three routes with wrk;
BENCHMARKS.md says how it was run.
"""

import datetime
import os
import secrets
import sys

from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from jose import JWTError, jwt
from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Text, create_engine
from sqlalchemy.orm import Session, declarative_base, sessionmaker

SECRET_KEY = os.environ["LESSON_SECRET_KEY"]
ALGORITHM = "HS256"

engine = create_engine("sqlite:///" + os.environ["LESSON_DB"], connect_args={"check_same_thread": False})
SessionLocal = sessionmaker(bind=engine, autoflush=False, autocommit=False)
Base = declarative_base()


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True, index=True)
    email = Column(String, unique=True, index=True)
    hashed_password = Column(String)
    is_active = Column(Boolean, default=True)
    role = Column(String, default="user")


class Note(Base):
    __tablename__ = "notes"
    id = Column(Integer, primary_key=True, index=True)
    title = Column(String)
    content = Column(Text)
    user_id = Column(Integer, ForeignKey("users.id"))


class APIKey(Base):
    __tablename__ = "api_keys"
    key = Column(String, primary_key=True)
    user_id = Column(Integer, ForeignKey("users.id"))


Base.metadata.create_all(engine)
app = FastAPI()
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")
api_key_header = APIKeyHeader(name="X-API-Key")
with SessionLocal() as _db:
    VALID_API_KEYS = {k.key for k in _db.query(APIKey)}


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


def get_current_user(token: str = Depends(oauth2_scheme), db: Session = Depends(get_db)):
    credentials_exception = HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail="Could not validate credentials",
        headers={"WWW-Authenticate": "Bearer"},
    )
    try:
        payload = jwt.decode(token, SECRET_KEY, algorithms=[ALGORITHM])
        user_id = payload.get("sub")
        if user_id is None:
            raise credentials_exception
    except JWTError:
        raise credentials_exception
    user = db.query(User).filter(User.id == int(user_id)).first()
    if user is None:
        raise credentials_exception
    return user


def get_current_active_user(current_user: User = Depends(get_current_user)):
    if not current_user.is_active:
        raise HTTPException(status_code=400, detail="Inactive user")
    return current_user


@app.get("/me")
def read_me(current_user: User = Depends(get_current_active_user)):
    return {"id": current_user.id, "email": current_user.email, "role": current_user.role,
            "is_active": current_user.is_active}


@app.get("/notes/{note_id}")
def get_note(note_id: int, current_user: User = Depends(get_current_active_user), db: Session = Depends(get_db)):
    note = db.query(Note).filter(Note.id == note_id, Note.user_id == current_user.id).first()
    if not note:
        raise HTTPException(status_code=404, detail="Note not found")
    return {"id": note.id, "title": note.title, "content": note.content, "user_id": note.user_id}


def verify_api_key(api_key: str = Depends(api_key_header)):
    if api_key not in VALID_API_KEYS:
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="Invalid API key")
    return api_key


@app.get("/data")
def get_data(api_key: str = Depends(verify_api_key)):
    return {"data": "secret"}


def seed(n):
    db = SessionLocal()
    exp = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=2)
    for i in range(1, n + 1):
        db.merge(User(id=i, email=f"user{i}@bench.example", hashed_password="x", is_active=True, role="user"))
        db.merge(Note(id=i, title=f"Note {i:07d}", content="x" * 200, user_id=i))
    db.query(APIKey).delete()
    keys = [secrets.token_urlsafe(24) for _ in range(n)]
    for i, key in enumerate(keys, start=1):
        db.add(APIKey(key=key, user_id=i))
    db.commit()
    for i in range(1, n + 1):
        print(jwt.encode({"sub": str(i), "exp": exp}, SECRET_KEY, algorithm=ALGORITHM), i, keys[i - 1])


if __name__ == "__main__" and len(sys.argv) == 3 and sys.argv[1] == "seed":
    seed(int(sys.argv[2]))
