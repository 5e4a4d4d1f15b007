"""The reader's translation of DuckDB-side SQL to the server's: declared names to ``public``,
``?`` and ``$name`` to psycopg's placeholders, ``%`` escaped only when values are bound, string
literals and quoted identifiers left alone."""

from etl_assets.warehouse.postgres.reader import translate


def test_names_and_placeholders():
    sql = "SELECT count(*) FROM main.deliveries WHERE _source = ? AND delivery_date < $date AND k = $date"
    assert translate(sql, ["s"]) == ("SELECT count(*) FROM public.deliveries WHERE _source = %s "
                                     "AND delivery_date < %(date)s AND k = %(date)s")


def test_literals_and_percent_signs():
    sql = "SELECT COALESCE(state, '?'), '$x 50%' AS \"a?b\", x % 2 FROM main.leads WHERE y = ?"
    assert translate(sql, [1]) == "SELECT COALESCE(state, '?'), '$x 50%%' AS \"a?b\", x %% 2 FROM public.leads WHERE y = %s"
    assert translate("SELECT '50%', x % 2 FROM main.leads", None) == "SELECT '50%', x % 2 FROM public.leads"
    assert translate("SELECT 'it''s ?' FROM main.leads", None) == "SELECT 'it''s ?' FROM public.leads"
