"""The PostgreSQL backend: connections, types, DDL, COPY, the DuckDB mirror."""
