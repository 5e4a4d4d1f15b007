"""The server connection's translation of DuckDB-side SQL to the server's: ``main.`` to
``public.``, ``temp.`` to ``pg_temp.``, ``?`` and ``$name`` to psycopg's placeholders, ``%``
escaped only when values are bound, string literals and quoted identifiers left alone."""

from etl_assets.warehouse.postgres.connection import translate


def test_names_and_placeholders():
    sql = "SELECT count(*) FROM main.deliveries WHERE _source = ? AND delivery_date < $date AND k = $date"
    assert translate(sql, {"date": 1}) == ("SELECT count(*) FROM public.deliveries WHERE _source = %s "
                                           "AND delivery_date < %(date)s AND k = %(date)s", {"date": 1})
    assert translate("INSERT INTO temp._x SELECT * FROM main.leads WHERE a = ?", ("v",)) == (
        "INSERT INTO pg_temp._x SELECT * FROM public.leads WHERE a = %s", ["v"])


def test_names_inside_longer_names_stay():
    assert translate("SELECT email_domain.x, main.leads.y FROM main.leads", None) == (
        "SELECT email_domain.x, public.leads.y FROM public.leads", None)
    assert translate("SELECT contemp.a FROM main.leads", None) == ("SELECT contemp.a FROM public.leads", None)


def test_literals_and_percent_signs():
    sql = "SELECT COALESCE(state, '?'), '$x 50%' AS \"a?b\", x % 2 FROM main.leads WHERE y = ?"
    assert translate(sql, [1]) == (
        "SELECT COALESCE(state, '?'), '$x 50%%' AS \"a?b\", x %% 2 FROM public.leads WHERE y = %s", [1])
    assert translate("SELECT '50%', x % 2 FROM main.leads", None) == ("SELECT '50%', x % 2 FROM public.leads", None)
    assert translate("SELECT 'it''s ?' FROM main.leads", []) == ("SELECT 'it''s ?' FROM public.leads", None)
