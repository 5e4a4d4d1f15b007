"""Local stand-ins for production services: S3 (moto) and a throw-away PostgreSQL cluster."""
