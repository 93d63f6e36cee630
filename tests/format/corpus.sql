-- The formatter's corpus: Spark SQL as BERDL's scientists write it, one statement per block
-- (blocks are separated by a line `-- ----`). tests/python/test_format.py formats each with the
-- extension's formatter and compares EXPLAIN's analyzed plan of both on a real server (over the
-- views of setup.sql); the extension's unit test checks that formatting twice changes nothing.

select id, organism from genomes where size_mb > 10 order by id limit 5
-- ----
SELECT organism, count(*) AS n, avg(size_mb) AS mean_mb FROM genomes GROUP BY organism HAVING count(*) > 10 ORDER BY n DESC
-- ----
WITH big AS (SELECT * FROM genomes WHERE size_mb > 20), counted AS (SELECT organism, count(*) n FROM big GROUP BY organism) SELECT * FROM counted WHERE n > 1
-- ----
SELECT g.genome_id, s.site, s.depth FROM genomes g JOIN samples s ON g.genome_id = s.genome_id WHERE s.depth BETWEEN 1 AND 5
-- ----
SELECT g.genome_id, f.kind FROM genomes g LEFT OUTER JOIN features f USING (genome_id) WHERE f.score > 0.9
-- ----
SELECT * FROM genomes g LEFT ANTI JOIN samples s ON g.genome_id = s.genome_id
-- ----
SELECT * FROM genomes g LEFT SEMI JOIN features f ON g.genome_id = f.genome_id AND f.kind = 'tRNA'
-- ----
SELECT a.id, b.id FROM genomes a CROSS JOIN genomes b WHERE a.id < 3 AND b.id < 3
-- ----
SELECT genome_id, score, row_number() OVER (PARTITION BY genome_id ORDER BY score DESC) AS rk FROM features
-- ----
SELECT genome_id, score, sum(score) OVER (PARTITION BY genome_id ORDER BY feature_id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS rolling FROM features
-- ----
SELECT site, collected, depth - lag(depth, 1, 0) OVER w AS delta, lead(depth) OVER w AS next_depth FROM samples WINDOW w AS (PARTITION BY site ORDER BY collected)
-- ----
SELECT * FROM (SELECT genome_id, feature_id, dense_rank() OVER (PARTITION BY genome_id ORDER BY score DESC) r FROM features) WHERE r <= 3
-- ----
SELECT genome_id, c.name, c.length FROM genomes LATERAL VIEW explode(contigs) t AS c
-- ----
SELECT genome_id, pos, c.name FROM genomes LATERAL VIEW posexplode(contigs) t AS pos, c
-- ----
SELECT genome_id, gene.id, gene.start FROM genomes LATERAL VIEW explode(contigs) t1 AS c LATERAL VIEW OUTER explode(c.genes) t2 AS gene
-- ----
SELECT genome_id, k, v FROM genomes LATERAL VIEW explode(tags) t AS k, v
-- ----
SELECT genome_id, inline(contigs) FROM genomes
-- ----
SELECT g.taxonomy.domain, g.taxonomy.genus, count(*) FROM genomes g GROUP BY g.taxonomy.domain, g.taxonomy.genus
-- ----
SELECT contigs[0].name, contigs[0].genes[0].strand, element_at(contigs, -1).length FROM genomes
-- ----
SELECT tags['source'] AS source, element_at(tags, 'level') AS level, map_keys(tags) FROM genomes
-- ----
SELECT transform(contigs, c -> c.length * 2) AS doubled, filter(contigs, c -> c.length > 500) AS long_ones FROM genomes
-- ----
SELECT aggregate(transform(contigs, c -> c.length), 0L, (acc, x) -> acc + x) AS total_length FROM genomes
-- ----
SELECT exists(contigs, c -> c.name LIKE 'c1%') AS has_c1, size(contigs) AS n_contigs FROM genomes
-- ----
SELECT named_struct('id', id, 'org', organism) AS s, struct(id, size_mb) AS t, array(id, id + 1) AS a FROM genomes
-- ----
SELECT CASE WHEN size_mb < 10 THEN 'small' WHEN size_mb < 30 THEN 'medium' ELSE 'large' END AS size_class, count(*) FROM genomes GROUP BY 1
-- ----
SELECT CAST(id AS STRING), CAST(size_mb AS DECIMAL(10, 2)), try_cast(organism AS INT), id :: BIGINT FROM genomes
-- ----
SELECT organism, site, count(*) FROM genomes g JOIN samples s ON g.genome_id = s.genome_id GROUP BY GROUPING SETS ((organism, site), (organism), ())
-- ----
SELECT organism, site, sum(depth) FROM genomes g JOIN samples s USING (genome_id) GROUP BY ROLLUP (organism, site)
-- ----
SELECT organism, site, grouping_id() AS gid, max(depth) FROM genomes g JOIN samples s USING (genome_id) GROUP BY CUBE (organism, site)
-- ----
SELECT * FROM (SELECT site, kind, score FROM samples s JOIN features f ON s.genome_id = f.genome_id) PIVOT (avg(score) FOR kind IN ('CDS' AS cds, 'tRNA' AS trna, 'rRNA'))
-- ----
SELECT * FROM (SELECT id, size_mb, id * 2.0D AS double_mb FROM genomes) UNPIVOT (value FOR measure IN (size_mb, double_mb))
-- ----
SELECT genome_id FROM genomes WHERE genome_id IN (SELECT genome_id FROM samples WHERE depth > 20)
-- ----
SELECT genome_id FROM genomes g WHERE EXISTS (SELECT 1 FROM features f WHERE f.genome_id = g.genome_id AND f.kind = 'rRNA')
-- ----
SELECT genome_id, (SELECT max(depth) FROM samples s WHERE s.genome_id = g.genome_id) AS deepest FROM genomes g
-- ----
SELECT genome_id FROM genomes UNION ALL SELECT genome_id FROM samples
-- ----
SELECT genome_id FROM genomes INTERSECT SELECT genome_id FROM samples EXCEPT SELECT genome_id FROM features WHERE score < 0.01
-- ----
VALUES (1, 'a'), (2, 'b'), (3, 'c') AS t(n, letter)
-- ----
TABLE genomes
-- ----
FROM genomes SELECT organism, max(size_mb) GROUP BY organism
-- ----
SELECT /*+ BROADCAST(s) */ g.id, s.site FROM genomes g JOIN samples s ON g.genome_id = s.genome_id
-- ----
SELECT /*+ REPARTITION(4) */ * FROM features
-- ----
SELECT * FROM features TABLESAMPLE (10 PERCENT) REPEATABLE (42)
-- ----
SELECT * FROM samples ORDER BY depth DESC NULLS LAST, site ASC NULLS FIRST LIMIT 10 OFFSET 5
-- ----
SELECT * FROM samples DISTRIBUTE BY site SORT BY depth
-- ----
SELECT * FROM samples CLUSTER BY site
-- ----
SELECT 'it\'s', "double quoted", 'semi;colon', '-- not a comment', '/* nor this */' AS s FROM genomes LIMIT 1
-- ----
SELECT `genome_id` AS `the genome`, `size_mb` * 1000 AS `size kb` FROM `genomes`
-- ----
-- the genomes we keep
SELECT id, /* inline */ organism -- species
FROM genomes /* end */
-- ----
SELECT date_trunc('MONTH', collected) AS month, count(DISTINCT site) FROM samples GROUP BY date_trunc('MONTH', collected)
-- ----
SELECT regexp_extract(organism, '^(\\w+)\\.', 1) AS genus_initial, organism RLIKE '^E' AS is_e, organism ILIKE 'b%' FROM genomes
-- ----
SELECT collected + INTERVAL 1 DAY, collected - INTERVAL '2' HOUR, datediff(current_date(), created) FROM samples s JOIN genomes g USING (genome_id)
-- ----
SELECT percentile_approx(depth, 0.5) AS median, approx_count_distinct(site), collect_set(site), max_by(site, depth) FROM samples
-- ----
SELECT site, count(*) FILTER (WHERE depth > 10) AS deep, count(*) AS all_samples FROM samples GROUP BY site
-- ----
SELECT id, coalesce(NULLIF(organism, 'E. coli'), 'other') AS org, nvl2(tags, 1, 0), id IS NOT NULL AND size_mb IS DISTINCT FROM 0 FROM genomes
-- ----
SELECT id DIV 3, id % 4, -id, +id, ~id, id & 1, id | 2, id ^ 3, id << 1 FROM genomes
-- ----
SELECT explode(sequence(1, 5)) AS n
-- ----
SELECT * FROM range(10) WHERE id NOT IN (1, 2, 3) AND NOT (id > 8)
-- ----
WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT sum(n) FROM r
-- ----
FROM genomes |> WHERE size_mb > 10 |> AGGREGATE count(*) AS n GROUP BY organism
-- ----
BEGIN
  DECLARE total INT DEFAULT 0;
  SET total = (SELECT count(*) FROM genomes);
  IF total > 50 THEN
    SELECT 'many', total;
  ELSE
    SELECT 'few', total;
  END IF;
END
-- ----
BEGIN
  DECLARE i INT DEFAULT 0;
  WHILE i < 3 DO
    SET i = i + 1;
  END WHILE;
  SELECT i;
END
