-- One comment row as SubmitComment inserts it (consultation/comments.go,
-- insertComment), into the real comments table with its foreign keys, unique
-- constraints and seven indexes, on a scratch decision that
-- scripts/load-baseline.sh creates. The variables come from pgbench -D.
-- What the service does around it (session lookup, decision and
-- consultation reads, rate-limit counts, grouping, reading the row back) is
-- deliberately absent: this is the database alone.
\set n random(1, 2000000000)
INSERT INTO comments (decision_id, consultation_id, version_id, article_anchor, account_id, receipt, stance, body,
    body_hash, normalized_hash, show_name, group_id, idempotency_key, client_addr, created_at)
VALUES (:decision, :consultation, :version, NULL, :resident,
    'YJ-BENCH-' || md5(:client_id || '-' || :n || '-' || clock_timestamp()::text), 'oppose',
    '票价调整幅度过大，建议保留一元线路，老年人免费乘车应当保留。以上是基准测试第' || :n || '条意见。',
    md5(:n::text), md5(:n::text || 'n'), false, NULL, 'bench-' || :client_id || '-' || :n || '-' || md5(clock_timestamp()::text),
    '127.0.0.1', now());
