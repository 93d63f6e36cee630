// A Spark DSv2 catalog for the tests: tables whose version is a table property, as Iceberg
// reports its snapshot (`current-snapshot-id`), and whose rows change with each version. The
// suite compiles it against pyspark's jars (scripts/test) and gives the main server a catalog
// `versioned` of it: a table is made with CREATE TABLE, and each ALTER TABLE … SET TBLPROPERTIES
// is a new version with 10 more rows (version v holds the ids 0 … 10v-1).
package kbase.test;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.analysis.NoSuchTableException;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.connector.catalog.Column;
import org.apache.spark.sql.connector.catalog.Identifier;
import org.apache.spark.sql.connector.catalog.SupportsRead;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableCapability;
import org.apache.spark.sql.connector.catalog.TableCatalog;
import org.apache.spark.sql.connector.catalog.TableChange;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.connector.read.Batch;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.connector.read.Scan;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

public class VersionedCatalog extends TestCatalog implements TableCatalog {
  private static final Map<Identifier, Integer> VERSIONS = new ConcurrentHashMap<>();

  @Override
  public Identifier[] listTables(String[] namespace) {
    return VERSIONS.keySet().stream()
        .filter(id -> java.util.Arrays.equals(id.namespace(), namespace))
        .toArray(Identifier[]::new);
  }

  @Override
  public Table loadTable(Identifier ident) throws NoSuchTableException {
    Integer version = VERSIONS.get(ident);
    if (version == null) {
      throw new NoSuchTableException(ident);
    }
    return new Versioned(ident, version);
  }

  @Override
  public Table createTable(
      Identifier ident, Column[] columns, Transform[] partitions, Map<String, String> properties) {
    VERSIONS.put(ident, 1);
    return new Versioned(ident, 1);
  }

  @Override
  public Table alterTable(Identifier ident, TableChange... changes) throws NoSuchTableException {
    Integer version = VERSIONS.computeIfPresent(ident, (id, v) -> v + 1);
    if (version == null) {
      throw new NoSuchTableException(ident);
    }
    return new Versioned(ident, version);
  }

  @Override
  public boolean dropTable(Identifier ident) {
    return VERSIONS.remove(ident) != null;
  }

  @Override
  public void renameTable(Identifier from, Identifier to) {
    throw new UnsupportedOperationException("a versioned test table is not renamed");
  }

  /** One version of a table: ids 0 … 10 × version - 1. */
  static final class Versioned implements Table, SupportsRead {
    private final Identifier ident;
    private final int version;

    Versioned(Identifier ident, int version) {
      this.ident = ident;
      this.version = version;
    }

    @Override
    public String name() {
      return ident.toString();
    }

    @Override
    public StructType schema() {
      return new StructType().add("id", DataTypes.LongType, false);
    }

    @Override
    public Map<String, String> properties() {
      Map<String, String> properties = new HashMap<>();
      properties.put("current-snapshot-id", String.valueOf(1000 + version));
      return properties;
    }

    @Override
    public Set<TableCapability> capabilities() {
      return Set.of(TableCapability.BATCH_READ);
    }

    @Override
    public ScanBuilder newScanBuilder(CaseInsensitiveStringMap options) {
      long rows = 10L * version;
      StructType schema = schema();
      return () -> new Scan() {
        @Override
        public StructType readSchema() {
          return schema;
        }

        @Override
        public Batch toBatch() {
          return new Batch() {
            @Override
            public InputPartition[] planInputPartitions() {
              return new InputPartition[] {new Rows(rows)};
            }

            @Override
            public PartitionReaderFactory createReaderFactory() {
              return new Reader();
            }
          };
        }
      };
    }
  }

  /** The rows of one version. */
  static final class Rows implements InputPartition {
    final long count;

    Rows(long count) {
      this.count = count;
    }
  }

  static final class Reader implements PartitionReaderFactory {
    @Override
    public PartitionReader<InternalRow> createReader(InputPartition partition) {
      long count = ((Rows) partition).count;
      return new PartitionReader<InternalRow>() {
        private long next = -1;

        @Override
        public boolean next() {
          next += 1;
          return next < count;
        }

        @Override
        public InternalRow get() {
          return new GenericInternalRow(new Object[] {next});
        }

        @Override
        public void close() {}
      };
    }
  }
}
