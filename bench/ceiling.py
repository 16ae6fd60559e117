"""The ceiling: the least a Flask page costs, served exactly like the site (gunicorn, 2 sync
workers). Every figure of the benchmark is also given as a share of this one."""

from flask import Flask

app = Flask(__name__)

PAGE = (
    "<!doctype html><html lang=en><head><meta charset=utf-8><title>Ceiling</title></head>"
    "<body><h1>Ceiling</h1><p>A minimal Flask page, served the same way as the site.</p>"
    "</body></html>"
)


@app.get("/")
def index() -> str:
    return PAGE
