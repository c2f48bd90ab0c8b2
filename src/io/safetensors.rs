//! The safetensors format, read and written by hand: 8 bytes holding the header's length
//! (little-endian `u64`), a JSON header, then the tensors' raw little-endian bytes.
//!
//! ```text
//! [n: u64 LE] {"__metadata__":{"format":"pt",…},"0.weight":{"dtype":"F64","shape":[4,2],"data_offsets":[0,64]},…}   [data…]
//! ```
//!
//! The reader accepts what Hugging Face's `safetensors` (the library under
//! `safetensors.torch.load_file`) accepts for `F64` and `F32` tensors, and refuses the rest
//! with a [`SafetensorsProblem`]: tensors must tile the data section from byte 0 with no gap or
//! overlap, and the data section must end exactly at the end of the file. The writer pads the
//! header with spaces to a multiple of 8 bytes, as that library does, so the data is aligned.
//!
//! ```
//! use scalargrad::io::safetensors::{Dtype, SafetensorsFile, Tensor};
//! let mut file = SafetensorsFile::default();
//! file.metadata.insert("format".into(), "pt".into());
//! file.tensors.push(("w".into(), Tensor { shape: vec![2, 2], data: vec![1.0, 2.0, 3.0, 0.5] }));
//! let bytes = file.to_bytes(Dtype::F32);
//! assert_eq!(SafetensorsFile::from_bytes(&bytes)?, file);
//! # Ok::<(), scalargrad::SafetensorsProblem>(())
//! ```

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use super::json::{self, Json};
use crate::error::{Error, Result, SafetensorsProblem};

/// The element types this crate writes; it reads both.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Dtype {
    /// 64-bit floats (`torch.float64`): the engine's own precision, so a round trip is exact.
    #[default]
    F64,
    /// 32-bit floats (`torch.float32`, PyTorch's default): half the size, each weight rounded
    /// to the nearest `f32`.
    F32,
}

impl Dtype {
    /// The name in a safetensors header (`"F64"`, `"F32"`).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Dtype::F64 => "F64",
            Dtype::F32 => "F32",
        }
    }

    /// Bytes per element.
    #[must_use]
    pub fn size(self) -> usize {
        match self {
            Dtype::F64 => 8,
            Dtype::F32 => 4,
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        match name {
            "F64" => Some(Dtype::F64),
            "F32" => Some(Dtype::F32),
            _ => None,
        }
    }
}

/// One tensor: its shape and its elements in row-major (C) order, as `f64`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tensor {
    /// The dimensions, outermost first (`[out, in]` for a PyTorch `Linear` weight).
    pub shape: Vec<usize>,
    /// The elements, row-major; `data.len()` is the product of `shape`.
    pub data: Vec<f64>,
}

/// The contents of a safetensors file: named tensors and string metadata.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SafetensorsFile {
    /// The tensors, in the order of their data in the file.
    pub tensors: Vec<(String, Tensor)>,
    /// The header's `__metadata__` map (string to string).
    pub metadata: BTreeMap<String, String>,
}

/// The largest header accepted, as in Hugging Face's reader (100 MB).
const MAX_HEADER: u64 = 100_000_000;

impl SafetensorsFile {
    /// The tensor called `name`.
    #[must_use]
    pub fn tensor(&self, name: &str) -> Option<&Tensor> {
        self.tensors.iter().find(|(n, _)| n == name).map(|(_, t)| t)
    }

    /// Reads a file.
    ///
    /// # Errors
    /// [`Error::Io`] if it cannot be read, [`Error::Safetensors`] (naming the file) if it is
    /// not a well-formed safetensors file of `F64`/`F32` tensors.
    pub fn read(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_bytes(&bytes).map_err(|problem| Error::Safetensors {
            path: path.to_path_buf(),
            problem,
        })
    }

    /// Writes the file, every tensor as `dtype`.
    ///
    /// # Errors
    /// [`Error::Io`] if the file cannot be written.
    pub fn write(&self, path: impl AsRef<Path>, dtype: Dtype) -> Result<()> {
        let path = path.as_ref();
        std::fs::write(path, self.to_bytes(dtype)).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })
    }

    /// The file's bytes, every tensor as `dtype` (f64 → f32 rounds to nearest).
    ///
    /// # Panics
    /// If a tensor's `data.len()` is not the product of its shape (a programmer error).
    #[must_use]
    pub fn to_bytes(&self, dtype: Dtype) -> Vec<u8> {
        let mut header = String::from("{");
        if !self.metadata.is_empty() {
            header.push_str("\"__metadata__\":{");
            for (k, (key, value)) in self.metadata.iter().enumerate() {
                if k > 0 {
                    header.push(',');
                }
                json::write_string(&mut header, key);
                header.push(':');
                json::write_string(&mut header, value);
            }
            header.push('}');
        }
        let mut offset = 0;
        for (k, (name, t)) in self.tensors.iter().enumerate() {
            assert_eq!(
                t.data.len(),
                t.shape.iter().product::<usize>(),
                "tensor {name:?}: data length must be the product of the shape"
            );
            if k > 0 || !self.metadata.is_empty() {
                header.push(',');
            }
            json::write_string(&mut header, name);
            let shape: Vec<String> = t.shape.iter().map(ToString::to_string).collect();
            let end = offset + t.data.len() * dtype.size();
            let _ = write!(
                header,
                ":{{\"dtype\":\"{}\",\"shape\":[{}],\"data_offsets\":[{offset},{end}]}}",
                dtype.name(),
                shape.join(",")
            );
            offset = end;
        }
        header.push('}');
        // Pad with spaces so the data starts 8-byte aligned, as Hugging Face's writer does.
        while header.len() % 8 != 0 {
            header.push(' ');
        }
        let mut bytes = Vec::with_capacity(8 + header.len() + offset);
        bytes.extend_from_slice(&(header.len() as u64).to_le_bytes());
        bytes.extend_from_slice(header.as_bytes());
        for (_, t) in &self.tensors {
            for &x in &t.data {
                match dtype {
                    Dtype::F64 => bytes.extend_from_slice(&x.to_le_bytes()),
                    #[allow(clippy::cast_possible_truncation)] // rounding to f32 is the point
                    Dtype::F32 => bytes.extend_from_slice(&(x as f32).to_le_bytes()),
                }
            }
        }
        bytes
    }

    /// Parses a file's bytes.
    ///
    /// # Errors
    /// A [`SafetensorsProblem`] saying what is wrong: too short, a header length past the end,
    /// a header that is not UTF-8 or not JSON or not a safetensors header, a dtype other than
    /// `F64`/`F32`, offsets that do not tile the data section, or a data section of the wrong
    /// length. Non-finite values are read as they are; [`Mlp`](crate::nn::Mlp) refuses them.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SafetensorsProblem> {
        let Some((len, rest)) = bytes.split_first_chunk::<8>() else {
            return Err(SafetensorsProblem::TooShort { len: bytes.len() });
        };
        let declared = u64::from_le_bytes(*len);
        let header_len = usize::try_from(declared)
            .ok()
            .filter(|&n| n <= rest.len() && declared <= MAX_HEADER)
            .ok_or(SafetensorsProblem::HeaderLength {
                declared,
                available: rest.len(),
            })?;
        let (header, data) = rest.split_at(header_len);
        let header =
            std::str::from_utf8(header).map_err(|e| SafetensorsProblem::HeaderNotUtf8 {
                offset: e.valid_up_to(),
            })?;
        let header = json::parse(header)
            .map_err(|(offset, message)| SafetensorsProblem::HeaderNotJson { offset, message })?;
        let Json::Object(members) = header else {
            return Err(header_problem(format!(
                "expected an object of tensors, found {}",
                header.kind()
            )));
        };

        let mut file = SafetensorsFile::default();
        // (start, end, name, dtype, shape) of each tensor, to be sorted by offsets.
        let mut entries = Vec::with_capacity(members.len());
        for (name, value) in members {
            if name == "__metadata__" {
                file.metadata = metadata(value)?;
                continue;
            }
            if entries.iter().any(|e: &Entry| e.name == name) {
                return Err(header_problem(format!("tensor {name:?} appears twice")));
            }
            entries.push(Entry::parse(name, value)?);
        }
        // By (start, end), as Hugging Face's reader does: a zero-size tensor [s, s] then comes
        // before the tensor [s, e] that shares its start.
        entries.sort_by_key(|e| (e.start, e.end));

        let mut end = 0;
        for e in &entries {
            if e.start != end || e.end < e.start {
                return Err(SafetensorsProblem::DataOffsets {
                    tensor: e.name.clone(),
                    message: format!(
                        "data_offsets [{}, {}] leave a gap or overlap: the tensors must tile the \
                         data section, and this one should start at byte {end}",
                        e.start, e.end
                    ),
                });
            }
            let count = e.shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
            let need = count.and_then(|n| n.checked_mul(e.dtype.size()));
            if need != Some(e.end - e.start) {
                return Err(SafetensorsProblem::DataOffsets {
                    tensor: e.name.clone(),
                    message: format!(
                        "data_offsets [{}, {}] hold {} bytes, but shape {:?} of {} needs {}",
                        e.start,
                        e.end,
                        e.end - e.start,
                        e.shape,
                        e.dtype.name(),
                        need.map_or_else(|| "more than fits in memory".into(), |n| n.to_string())
                    ),
                });
            }
            end = e.end;
        }
        if end != data.len() {
            return Err(SafetensorsProblem::DataLength {
                expected: end,
                found: data.len(),
            });
        }
        for e in entries {
            let bytes = &data[e.start..e.end];
            let values = match e.dtype {
                Dtype::F64 => bytes
                    .chunks_exact(8)
                    .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
                    .collect(),
                Dtype::F32 => bytes
                    .chunks_exact(4)
                    .map(|c| f64::from(f32::from_le_bytes(c.try_into().expect("4 bytes"))))
                    .collect(),
            };
            file.tensors.push((
                e.name,
                Tensor {
                    shape: e.shape,
                    data: values,
                },
            ));
        }
        Ok(file)
    }
}

fn header_problem(message: String) -> SafetensorsProblem {
    SafetensorsProblem::Header { message }
}

/// The `__metadata__` map: strings only, as the format requires.
fn metadata(value: Json) -> Result<BTreeMap<String, String>, SafetensorsProblem> {
    let Json::Object(members) = value else {
        return Err(header_problem(format!(
            "__metadata__ must be an object of strings, found {}",
            value.kind()
        )));
    };
    members
        .into_iter()
        .map(|(k, v)| match v {
            Json::String(s) => Ok((k, s)),
            other => Err(header_problem(format!(
                "__metadata__[{k:?}] must be a string, found {}",
                other.kind()
            ))),
        })
        .collect()
}

/// One tensor's header entry.
struct Entry {
    name: String,
    dtype: Dtype,
    shape: Vec<usize>,
    start: usize,
    end: usize,
}

impl Entry {
    fn parse(name: String, value: Json) -> Result<Self, SafetensorsProblem> {
        let Json::Object(fields) = value else {
            return Err(header_problem(format!(
                "tensor {name:?} must be an object with dtype, shape and data_offsets, found {}",
                value.kind()
            )));
        };
        let field = |key: &str| {
            fields
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v)
                .ok_or_else(|| header_problem(format!("tensor {name:?} has no {key:?}")))
        };
        let dtype = match field("dtype")? {
            Json::String(s) => Dtype::from_name(s).ok_or_else(|| SafetensorsProblem::Dtype {
                tensor: name.clone(),
                found: s.clone(),
            })?,
            other => {
                return Err(header_problem(format!(
                    "tensor {name:?}: dtype must be a string, found {}",
                    other.kind()
                )));
            }
        };
        let integers = |key: &str| -> Result<Vec<usize>, SafetensorsProblem> {
            let bad = || {
                header_problem(format!(
                    "tensor {name:?}: {key} must be a list of non-negative integers"
                ))
            };
            match field(key)? {
                Json::Array(items) => items
                    .iter()
                    .map(|j| {
                        j.as_u64()
                            .and_then(|n| usize::try_from(n).ok())
                            .ok_or_else(bad)
                    })
                    .collect(),
                _ => Err(bad()),
            }
        };
        let shape = integers("shape")?;
        let offsets = integers("data_offsets")?;
        let [start, end] = offsets[..] else {
            return Err(header_problem(format!(
                "tensor {name:?}: data_offsets must be [start, end], found {} numbers",
                offsets.len()
            )));
        };
        Ok(Entry {
            name,
            dtype,
            shape,
            start,
            end,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_with(header: &str, data: &[u8]) -> Vec<u8> {
        let mut b = (header.len() as u64).to_le_bytes().to_vec();
        b.extend_from_slice(header.as_bytes());
        b.extend_from_slice(data);
        b
    }

    #[test]
    fn header_is_padded_to_8_bytes_and_data_follows() {
        let mut f = SafetensorsFile::default();
        f.tensors.push((
            "x".into(),
            Tensor {
                shape: vec![1],
                data: vec![1.5],
            },
        ));
        let b = f.to_bytes(Dtype::F64);
        let n = usize::try_from(u64::from_le_bytes(b[..8].try_into().unwrap())).unwrap();
        assert_eq!(n % 8, 0);
        assert_eq!(
            std::str::from_utf8(&b[8..8 + n]).unwrap().trim_end(),
            r#"{"x":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}"#
        );
        assert_eq!(&b[8 + n..], &1.5f64.to_le_bytes());
    }

    #[test]
    fn reads_tensors_in_any_header_order() {
        let h = r#"{"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},"a":{"dtype":"F64","shape":[],"data_offsets":[0,8]}}"#;
        let mut data = 2.0f64.to_le_bytes().to_vec();
        data.extend_from_slice(&0.5f32.to_le_bytes());
        let f = SafetensorsFile::from_bytes(&file_with(h, &data)).unwrap();
        assert_eq!(f.tensor("a").unwrap().data, [2.0]);
        assert_eq!(f.tensor("b").unwrap().data, [0.5]);
        assert_eq!(f.tensors[0].0, "a");
    }

    #[test]
    fn refuses_gaps_overlaps_and_wrong_sizes() {
        let h = r#"{"a":{"dtype":"F64","shape":[1],"data_offsets":[8,16]}}"#;
        let e = SafetensorsFile::from_bytes(&file_with(h, &[0; 16])).unwrap_err();
        assert!(matches!(e, SafetensorsProblem::DataOffsets { .. }), "{e}");
        let h = r#"{"a":{"dtype":"F64","shape":[2],"data_offsets":[0,8]}}"#;
        let e = SafetensorsFile::from_bytes(&file_with(h, &[0; 8])).unwrap_err();
        assert!(e.to_string().contains("needs 16"), "{e}");
        let h = r#"{"a":{"dtype":"F64","shape":[18446744073709551615,2],"data_offsets":[0,8]}}"#;
        let e = SafetensorsFile::from_bytes(&file_with(h, &[0; 8])).unwrap_err();
        assert!(e.to_string().contains("more than fits"), "{e}");
        let h = r#"{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}"#;
        let e = SafetensorsFile::from_bytes(&file_with(h, &[0; 9])).unwrap_err();
        assert_eq!(
            e,
            SafetensorsProblem::DataLength {
                expected: 8,
                found: 9
            }
        );
    }

    #[test]
    fn refuses_duplicate_names_and_bad_metadata() {
        let h = r#"{"a":{"dtype":"F64","shape":[],"data_offsets":[0,8]},"a":{"dtype":"F64","shape":[],"data_offsets":[8,16]}}"#;
        let e = SafetensorsFile::from_bytes(&file_with(h, &[0; 16])).unwrap_err();
        assert!(e.to_string().contains("twice"), "{e}");
        let e = SafetensorsFile::from_bytes(&file_with(r#"{"__metadata__":{"k":1}}"#, &[]))
            .unwrap_err();
        assert!(e.to_string().contains("must be a string"), "{e}");
    }
}
