//! The wire format TensorBoard reads: TFRecord framing (length, masked CRC-32C, data, masked CRC)
//! and the few protobuf messages of an event file, encoded by hand (Event, Summary values, images
//! and the HParams plugin's data).
/// One TFRecord: length, masked CRC of the length, data, masked CRC of the data.
pub fn tf_record(data: &[u8]) -> Vec<u8> {
    let len = (data.len() as u64).to_le_bytes();
    let mut out = Vec::with_capacity(data.len() + 16);
    out.extend_from_slice(&len);
    out.extend_from_slice(&masked_crc(&len).to_le_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(&masked_crc(data).to_le_bytes());
    out
}

/// CRC-32C (Castagnoli), bitwise reflected.
pub fn crc32c(data: &[u8]) -> u32 {
    static TABLE: std::sync::OnceLock<[u32; 256]> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut table = [0u32; 256];
        for (i, slot) in table.iter_mut().enumerate() {
            let mut crc = i as u32;
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0x82F6_3B78
                } else {
                    crc >> 1
                };
            }
            *slot = crc;
        }
        table
    });
    let mut crc = !0u32;
    for &b in data {
        crc = table[((crc ^ b as u32) & 0xff) as usize] ^ (crc >> 8);
    }
    !crc
}

pub(super) fn masked_crc(data: &[u8]) -> u32 {
    let crc = crc32c(data);
    (crc.rotate_right(15)).wrapping_add(0xa282_ead8)
}

// ---- protobuf wire format, the few messages needed ----

pub(super) fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

pub(super) fn put_key(out: &mut Vec<u8>, field: u32, wire: u8) {
    put_varint(out, (u64::from(field) << 3) | u64::from(wire));
}

pub(super) fn put_bytes(out: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    put_key(out, field, 2);
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

pub(super) fn put_double(out: &mut Vec<u8>, field: u32, v: f64) {
    put_key(out, field, 1);
    out.extend_from_slice(&v.to_le_bytes());
}

pub(super) fn put_float(out: &mut Vec<u8>, field: u32, v: f32) {
    put_key(out, field, 5);
    out.extend_from_slice(&v.to_le_bytes());
}

pub(super) fn put_uint(out: &mut Vec<u8>, field: u32, v: u64) {
    put_key(out, field, 0);
    put_varint(out, v);
}

/// `tensorflow.Event { wall_time = 1; step = 2; summary = 5 }`.
pub(super) fn event(wall_time: f64, step: i64, summary: Vec<u8>) -> Vec<u8> {
    let mut out = Vec::new();
    put_double(&mut out, 1, wall_time);
    put_uint(&mut out, 2, step as u64);
    put_bytes(&mut out, 5, &summary);
    out
}

/// `tensorflow.Summary { repeated Value value = 1 }`.
pub(super) fn summary(values: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for value in values {
        put_bytes(&mut out, 1, value);
    }
    out
}

/// `Summary.Value { tag = 1; simple_value = 2 }`.
pub(super) fn scalar(tag: &str, value: f64) -> Vec<u8> {
    let mut out = Vec::new();
    put_bytes(&mut out, 1, tag.as_bytes());
    put_float(&mut out, 2, value as f32);
    out
}

/// `Summary.Value { tag = 1; <field> = message }`.
pub(super) fn value_with(tag: &str, field: u32, message: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    put_bytes(&mut out, 1, tag.as_bytes());
    put_bytes(&mut out, field, message);
    out
}

/// `Summary.Image { height = 1; width = 2; colorspace = 3; encoded_image_string = 4 }`.
pub(super) fn image(height: u32, width: u32, colorspace: u32, png: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    put_uint(&mut out, 1, u64::from(height));
    put_uint(&mut out, 2, u64::from(width));
    put_uint(&mut out, 3, u64::from(colorspace));
    put_bytes(&mut out, 4, png);
    out
}

/// A value of the HParams plugin: `Value { tag = 1; metadata = 9 { plugin_data = 1 { plugin_name =
/// 1: "hparams"; content = 2 } } }` (TensorBoard adds the empty tensor when it reads it).
pub(super) fn hparams_value(tag: &str, content: &[u8]) -> Vec<u8> {
    let mut plugin_data = Vec::new();
    put_bytes(&mut plugin_data, 1, b"hparams");
    put_bytes(&mut plugin_data, 2, content);
    let mut metadata = Vec::new();
    put_bytes(&mut metadata, 1, &plugin_data);
    value_with(tag, 9, &metadata)
}

/// A hyperparameter value.
#[derive(Debug, Clone, PartialEq)]
pub enum HValue {
    Num(f64),
    Str(String),
    Bool(bool),
}

/// `google.protobuf.Value { number_value = 2 | string_value = 3 | bool_value = 4 }`.
pub(super) fn proto_value(value: &HValue) -> Vec<u8> {
    let mut out = Vec::new();
    match value {
        HValue::Num(v) => put_double(&mut out, 2, *v),
        HValue::Str(s) => put_bytes(&mut out, 3, s.as_bytes()),
        HValue::Bool(b) => put_uint(&mut out, 4, u64::from(*b)),
    }
    out
}
