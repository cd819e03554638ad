//! ZMTP property lists (READY/INITIATE bodies, ZAP reply metadata).
//!
//! A property is `name_len (1) + name (1..255) + value_len (4, BE, <= 2^31-1) + value`.
//! Parsing checks every length against what is left and fails with
//! [`ProtocolError::InvalidMetadata`]; names compare case-insensitively on lookup.

use super::ProtocolError;

/// Largest value length the wire allows.
pub const MAX_VALUE_LEN: usize = 0x7FFF_FFFF;

/// Standard property names.
pub const SOCKET_TYPE: &str = "Socket-Type";
pub const IDENTITY: &str = "Identity";
pub const RESOURCE: &str = "Resource";

/// Iterates over the properties of a raw list, borrowing names and values.
#[derive(Debug, Clone)]
pub struct Properties<'a> {
    rest: &'a [u8],
    failed: bool,
}

impl<'a> Properties<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Properties {
            rest: data,
            failed: false,
        }
    }

    fn next_property(&mut self) -> Result<(&'a [u8], &'a [u8]), ProtocolError> {
        let invalid = ProtocolError::InvalidMetadata;
        let (&name_len, rest) = self.rest.split_first().ok_or(invalid.clone())?;
        let name_len = usize::from(name_len);
        if name_len == 0 || rest.len() < name_len + 4 {
            return Err(invalid);
        }
        let (name, rest) = rest.split_at(name_len);
        let (len_bytes, rest) = rest.split_at(4);
        let value_len = len_bytes
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        if value_len > MAX_VALUE_LEN || rest.len() < value_len {
            return Err(invalid);
        }
        let (value, rest) = rest.split_at(value_len);
        self.rest = rest;
        Ok((name, value))
    }
}

impl<'a> Iterator for Properties<'a> {
    type Item = Result<(&'a [u8], &'a [u8]), ProtocolError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.rest.is_empty() {
            return None;
        }
        let item = self.next_property();
        self.failed = item.is_err();
        Some(item)
    }
}

/// Appends one property. Fails (`InvalidMetadata`) on an empty or over-long name or an
/// over-long value.
pub fn write_property(out: &mut Vec<u8>, name: &[u8], value: &[u8]) -> Result<(), ProtocolError> {
    let name_len = u8::try_from(name.len()).map_err(|_| ProtocolError::InvalidMetadata)?;
    if name_len == 0 || value.len() > MAX_VALUE_LEN {
        return Err(ProtocolError::InvalidMetadata);
    }
    out.push(name_len);
    out.extend_from_slice(name);
    out.extend_from_slice(&(value.len() as u32).to_be_bytes());
    out.extend_from_slice(value);
    Ok(())
}

/// An owned, validated property list in wire order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    properties: Vec<(Vec<u8>, Vec<u8>)>,
}

impl Metadata {
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses a whole list; any malformed property fails the whole list.
    pub fn parse(data: &[u8]) -> Result<Metadata, ProtocolError> {
        let mut properties = Vec::new();
        for item in Properties::new(data) {
            let (name, value) = item?;
            properties.push((name.to_vec(), value.to_vec()));
        }
        Ok(Metadata { properties })
    }

    /// Adds a property (checked as in [`write_property`]).
    pub fn push(&mut self, name: &[u8], value: &[u8]) -> Result<(), ProtocolError> {
        if name.is_empty() || name.len() > 255 || value.len() > MAX_VALUE_LEN {
            return Err(ProtocolError::InvalidMetadata);
        }
        self.properties.push((name.to_vec(), value.to_vec()));
        Ok(())
    }

    /// The first value whose name equals `name`, ignoring ASCII case.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.properties
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, v)| v.as_slice())
    }

    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.properties
            .iter()
            .map(|(n, v)| (n.as_slice(), v.as_slice()))
    }

    pub fn len(&self) -> usize {
        self.properties.len()
    }

    pub fn is_empty(&self) -> bool {
        self.properties.is_empty()
    }

    /// Appends the wire form of every property.
    pub fn encode(&self, out: &mut Vec<u8>) {
        for (name, value) in &self.properties {
            // Validated on the way in, so this cannot fail.
            let _ = write_property(out, name, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const READY_PROPS: &[u8] = b"\x0bSocket-Type\x00\x00\x00\x06DEALER\x08Identity\x00\x00\x00\x00";

    #[test]
    fn property_byte_vectors() {
        let mut out = Vec::new();
        write_property(&mut out, b"Socket-Type", b"DEALER").unwrap();
        write_property(&mut out, b"Identity", b"").unwrap();
        assert_eq!(out, READY_PROPS);
        let md = Metadata::parse(READY_PROPS).unwrap();
        assert_eq!(md.len(), 2);
        assert_eq!(md.get("socket-type"), Some(&b"DEALER"[..]));
        assert_eq!(md.get("IDENTITY"), Some(&b""[..]));
        assert_eq!(md.get("X-Other"), None);
        let mut again = Vec::new();
        md.encode(&mut again);
        assert_eq!(again, READY_PROPS);
        assert_eq!(Metadata::parse(b"").unwrap(), Metadata::new());
    }

    #[test]
    fn every_strict_prefix_is_invalid() {
        for n in 1..READY_PROPS.len() {
            // Prefixes ending exactly between properties are valid lists.
            let boundary = n == 22;
            assert_eq!(
                Metadata::parse(&READY_PROPS[..n]).is_ok(),
                boundary,
                "prefix {n}"
            );
        }
    }

    #[test]
    fn length_overruns_and_bad_names_rejected() {
        let invalid = Err(ProtocolError::InvalidMetadata);
        assert_eq!(Metadata::parse(b"\x00\x00\x00\x00\x00"), invalid);
        assert_eq!(Metadata::parse(b"\x01A\x00\x00\x00\x02x"), invalid);
        assert_eq!(Metadata::parse(b"\x01A\xFF\xFF\xFF\xFF"), invalid);
        assert_eq!(Metadata::parse(b"\x01A\x80\x00\x00\x00"), invalid);
        assert_eq!(Metadata::parse(b"\x01A\x00\x00\x00\x00\x01"), invalid);
        let mut out = Vec::new();
        assert!(write_property(&mut out, b"", b"v").is_err());
        assert!(write_property(&mut out, &[b'n'; 256], b"v").is_err());
        assert!(out.is_empty());
        let mut md = Metadata::new();
        assert!(md.push(b"", b"").is_err());
    }
}
