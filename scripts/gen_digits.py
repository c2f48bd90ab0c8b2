#!/usr/bin/env python3
"""Write scikit-learn's bundled 8x8 handwritten digits to sample_data/digits.csv.

The data: the UCI "Optical Recognition of Handwritten Digits" test set as scikit-learn ships
it (sklearn/datasets/data/digits.csv.gz, read by sklearn.datasets.load_digits; nothing is
downloaded). 1,797 images of 8x8 pixels, each pixel a count 0..16, and the digit 0..9.
Citation and licence: sample_data/README.md.

Columns: p0 .. p63 (row-major, p0 is the top-left pixel), then label.
Run: pip install scikit-learn; python3 scripts/gen_digits.py  (CI never runs it.)
"""
import csv
import os

from sklearn.datasets import load_digits


def main():
    digits = load_digits()
    out = os.path.join(os.path.dirname(__file__), "..", "sample_data", "digits.csv")
    with open(out, "w", newline="") as f:
        wr = csv.writer(f, lineterminator="\n")
        wr.writerow([f"p{i}" for i in range(64)] + ["label"])
        for x, y in zip(digits.data, digits.target):
            wr.writerow([int(v) for v in x] + [int(y)])
    print(f"wrote {os.path.normpath(out)}: {len(digits.target)} rows")


if __name__ == "__main__":
    main()
