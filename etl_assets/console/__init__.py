"""The review console: a small server-rendered web app (Starlette, Jinja2, uvicorn) where sales
operations staff work the review queue, read why a lead holds its records, and see the model."""
