-- The tables the formatter corpus reads: temporary views over generated rows, with the nested
-- types BERDL's tables have (structs, arrays of structs, maps).
CREATE OR REPLACE TEMPORARY VIEW genomes AS
SELECT id, concat('G', id) AS genome_id,
  CASE id % 3 WHEN 0 THEN 'E. coli' WHEN 1 THEN 'B. subtilis' ELSE 'P. putida' END AS organism,
  id * 0.5D AS size_mb,
  named_struct('domain', 'Bacteria', 'phylum', 'Proteobacteria', 'genus', 'Escherichia') AS taxonomy,
  array(named_struct('name', concat('c', id), 'length', id * 100,
    'genes', array(named_struct('id', concat('g', id), 'start', 1, 'stop', 90, 'strand', '+')))) AS contigs,
  map('source', 'ncbi', 'level', 'complete') AS tags,
  date_add(DATE'2024-01-01', CAST(id AS INT)) AS created
FROM range(100);
CREATE OR REPLACE TEMPORARY VIEW samples AS
SELECT id AS sample_id, concat('G', id % 50) AS genome_id, concat('site_', id % 7) AS site,
  timestamp_seconds(1700000000 + id * 3600) AS collected, id / 10.0D AS depth
FROM range(300);
CREATE OR REPLACE TEMPORARY VIEW features AS
SELECT id AS feature_id, concat('G', id % 100) AS genome_id,
  element_at(array('CDS', 'tRNA', 'rRNA'), CAST(id % 3 + 1 AS INT)) AS kind, rand(7) AS score
FROM range(1000)
