-- ViT Lab schema 7 for PostgreSQL (as ../0007_best_accuracy_index.sql): an index for the runs
-- table's "best test accuracy first" page. The list orders it `test_acc DESC NULLS LAST, rowid
-- DESC` (store/query/compile.ts: runs without a result go last on both engines). Read backwards,
-- 0001's runs_test_acc (test_acc, rowid) gives DESC NULLS FIRST, so PostgreSQL could not use it
-- and sorted the whole table instead: 18.5 ms for a page of 50 on 10,000 runs
-- (bench/store-list-pg.ts). This index is that order itself. runs_test_acc stays: it serves the
-- ascending sort (ASC NULLS LAST, PostgreSQL's default for ASC).

CREATE INDEX runs_test_acc_desc ON runs (test_acc DESC NULLS LAST, rowid DESC);
