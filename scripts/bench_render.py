"""pandas' DataFrame.to_html (and to_string) on the Arrow file benches/render.rs wrote: the
same 10,000 rows x 10 columns, timed in the same run. Prints figures; asserts nothing."""
import sys
import time

import pyarrow.ipc

RUNS = 5


def median_ms(f):
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        f()
        samples.append(time.perf_counter() - started)
    samples.sort()
    return samples[len(samples) // 2] * 1e3


def main():
    with pyarrow.ipc.open_file(sys.argv[1]) as reader:
        table = reader.read_all()
    frame = table.to_pandas()
    html = median_ms(frame.to_html)
    text = median_ms(frame.to_string)
    print(f"pandas {__import__('pandas').__version__} on the same data: DataFrame.to_html {html:.1f} ms, "
          f"DataFrame.to_string {text:.1f} ms (medians of {RUNS}; Arrow to pandas not counted)")


if __name__ == "__main__":
    main()
