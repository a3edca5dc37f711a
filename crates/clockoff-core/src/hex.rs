//! Lowercase hex, two digits a byte: how report ids, pseudonyms, the ledger's chain hashes
//! and the dashboard's token hashes are written. By table: the dashboard hashes a token on
//! every request, and `format!("{:02x}")` a byte at a time cost more than the SHA-256.

const DIGITS: &[u8; 16] = b"0123456789abcdef";

pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// Exactly `2 * N` lowercase hex digits to `N` bytes; anything else is `None`, so each value
/// has one spelling and a server can compare them as text.
pub fn unhex<const N: usize>(text: &str) -> Option<[u8; N]> {
    let digits = text.as_bytes();
    if digits.len() != 2 * N {
        return None;
    }
    let value = |d: u8| match d {
        b'0'..=b'9' => Some(d - b'0'),
        b'a'..=b'f' => Some(d - b'a' + 10),
        _ => None,
    };
    let mut out = [0; N];
    for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        *byte = value(pair[0])? << 4 | value(pair[1])?;
    }
    Some(out)
}

/// Display, Debug, `String` both ways and `FromStr` for a fixed-length id shown as hex.
macro_rules! hex_id {
    ($name:ident, $what:literal) => {
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&$crate::hex::hex(&self.0))
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}({self})", stringify!($name))
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.to_string()
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;

            fn from_str(text: &str) -> Result<Self, String> {
                $crate::hex::unhex(text).map(Self).ok_or_else(|| {
                    format!(
                        "{} \"{text}\" is not {} lowercase hex digits",
                        $what,
                        2 * std::mem::size_of::<Self>()
                    )
                })
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;

            fn try_from(text: String) -> Result<Self, String> {
                text.parse()
            }
        }
    };
}
pub(crate) use hex_id;

#[cfg(test)]
mod tests {
    use super::{hex, unhex};

    #[test]
    fn lowercase_two_digits_a_byte() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa0, 0xff]), "000fa0ff");
        assert_eq!(hex(&[]), "");
        assert_eq!(unhex::<2>("0fa0"), Some([0x0f, 0xa0]));
        for bad in ["0FA0", "0fa", "0fa0a0", "0g00", " 0fa0"] {
            assert_eq!(unhex::<2>(bad), None, "{bad}");
        }
    }
}
