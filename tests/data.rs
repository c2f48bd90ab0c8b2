//! CSV loading: the tutorial's file, and every bad input as a typed error naming file, line and
//! column.

use std::io::Write;

use scalargrad::{Dataset, Error};

const COLS: (&[&str], &[&str]) = (&["x1", "x2"], &["class1", "class2"]);

fn load(text: &str) -> Result<Dataset, Error> {
    Dataset::from_reader("sample.csv", text.as_bytes(), COLS.0, COLS.1)
}

#[test]
fn sample_csv_is_the_tutorials_xor_table() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/sample_data/sample.csv");
    let d = Dataset::from_csv(path, COLS.0, COLS.1).unwrap();
    assert_eq!(d.features, [[0.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, 0.0]]);
    assert_eq!(d.targets, [[0.0, 1.0], [1.0, 0.0], [0.0, 1.0], [1.0, 0.0]]);
    // The tutorial passes T[:,0] to CrossEntropyLoss: class = XOR(x1, x2).
    assert_eq!(d.class_indices(0).unwrap(), [0, 1, 0, 1]);
}

#[test]
fn a_missing_file_names_the_path() {
    let e = Dataset::from_csv("no/such/file.csv", COLS.0, COLS.1).unwrap_err();
    assert!(matches!(e, Error::Io { .. }));
    assert!(e.to_string().starts_with("no/such/file.csv: "), "{e}");
}

#[test]
fn a_non_numeric_cell_names_line_and_column() {
    let e = load("x1,x2,class1,class2\n0,0,0,1\n0,abc,1,0\n").unwrap_err();
    assert_eq!(
        e.to_string(),
        r#"sample.csv:3: column "x2": expected a number, found "abc""#
    );
}

#[test]
fn nan_is_rejected() {
    let e = load("x1,x2,class1,class2\n0,NaN,0,1\n").unwrap_err();
    assert_eq!(
        e.to_string(),
        r#"sample.csv:2: column "x2": expected a finite number, found "NaN""#
    );
    let e = load("x1,x2,class1,class2\n0,1,inf,1\n").unwrap_err();
    assert!(matches!(e, Error::NotFinite { line: 2, .. }), "{e}");
}

#[test]
fn a_missing_column_lists_the_header() {
    let e = load("x1,x3,class1,class2\n0,0,0,1\n").unwrap_err();
    assert_eq!(
        e.to_string(),
        r#"sample.csv:1: no column "x2" in the header (columns: x1, x3, class1, class2)"#
    );
}

#[test]
fn an_empty_file_is_an_error() {
    assert!(matches!(load("").unwrap_err(), Error::Empty { .. }));
    let e = load("x1,x2,class1,class2\n").unwrap_err();
    assert_eq!(e.to_string(), "sample.csv: no data rows");
}

#[test]
fn a_ragged_row_names_its_line() {
    let e = load("x1,x2,class1,class2\n0,0,0,1\n0,1,1\n").unwrap_err();
    assert_eq!(
        e.to_string(),
        "sample.csv:3: expected 4 fields like the header, found 3"
    );
}

#[test]
fn spaces_and_blank_lines_are_tolerated() {
    let d = load("x1, x2, class1, class2\n 0, 1, 1, 0\n\n1,1,0,1\n").unwrap();
    assert_eq!(d.len(), 2);
    assert_eq!(d.features[0], [0.0, 1.0]);
}

#[test]
fn line_numbers_count_blank_lines_and_line_breaks_inside_quotes() {
    // Line 1 header, 2 data, 3 blank, 4 blank (spaces), 5 the bad cell.
    let e = load("x1,x2,class1,class2\n0,0,0,1\n\n   \n0,abc,1,0\n").unwrap_err();
    assert!(e.to_string().starts_with("sample.csv:5: "), "{e}");
    // Windows line ends, and a blank line first thing after the header.
    let e = load("x1,x2,class1,class2\r\n\r\n0,0,0,1\r\n0,1,1\r\n").unwrap_err();
    assert!(e.to_string().starts_with("sample.csv:4: "), "{e}");
    // A quoted cell spanning two lines: the next row starts on line 4.
    let e = load("x1,x2,class1,class2\n\"0\n\",0,0,1\n0,0,x,1\n").unwrap_err();
    assert!(e.to_string().starts_with("sample.csv:4: "), "{e}");
    // The one-hot check names lines the same way.
    let e = load("x1,x2,class1,class2\r\n\r\n0,0,1,1\r\n")
        .unwrap()
        .check_one_hot()
        .unwrap_err();
    assert!(matches!(e, Error::NotOneHot { line: 3, .. }), "{e:?}");
}

#[test]
fn a_file_on_disk_reports_its_own_path() {
    let dir = std::env::temp_dir().join(format!("scalargrad-data-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.csv");
    std::fs::File::create(&path)
        .unwrap()
        .write_all(b"x1,x2,class1,class2\n1,2,3,x\n")
        .unwrap();
    let e = Dataset::from_csv(&path, COLS.0, COLS.1).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            r#"{}:2: column "class2": expected a number, found "x""#,
            path.display()
        )
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn class_indices_reject_non_integers() {
    let d = load("x1,x2,class1,class2\n0,0,0.5,1\n").unwrap();
    assert!(d.class_indices(0).is_err());
    assert!(d.class_indices(5).is_err());
}

#[test]
fn a_directory_is_named_with_the_csv_files_inside() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/sample_data");
    let e = Dataset::from_csv(dir, COLS.0, COLS.1).unwrap_err();
    assert!(matches!(e, Error::Io { .. }));
    let msg = e.to_string();
    assert!(
        msg.starts_with(&format!(
            "{dir}: is a directory, not a CSV file: give the path of a file such as "
        )) && msg.contains(&format!("{dir}/sample.csv")),
        "{msg}"
    );
}

#[test]
fn rows_that_are_not_one_hot_are_rejected_with_their_line() {
    // Line 4 sets both classes; line 5 sets neither.
    let both = load("x1,x2,class1,class2\n0,0,0,1\n0,1,1,0\n1,1,1,1\n").unwrap();
    let e = both.check_one_hot().unwrap_err();
    assert!(matches!(e, Error::NotOneHot { line: 4, .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        "sample.csv:4: columns class1, class2 must be one-hot (exactly one 1, the others 0), \
         found [1.0, 1.0]: set the row's class column to 1 and the others to 0"
    );
    let neither = load("x1,x2,class1,class2\n0,0,0,1\n0,1,1,0\n0,0,0,1\n1,1,0,0.5\n").unwrap();
    let e = neither.check_one_hot().unwrap_err();
    assert!(matches!(e, Error::NotOneHot { line: 5, .. }), "{e}");
    assert!(
        load("x1,x2,class1,class2\n0,0,0,1\n0,1,1,0\n")
            .unwrap()
            .check_one_hot()
            .is_ok()
    );
}
