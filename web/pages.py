"""The chat page, served by the app itself (no CDN)."""

from __future__ import annotations

from flask import Blueprint, render_template

pages = Blueprint("pages", __name__, static_folder="static", template_folder="templates",
                  static_url_path="/static")


@pages.get("/")
def index():
    return render_template("index.html")
