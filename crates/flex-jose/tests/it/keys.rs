//! RSA private keys and the crypto provider, on the repository's test keys (testdata/keys, made with Python
//! `cryptography`): the same assertions hold whichever provider the build selects (`flex_jose::crypto::PROVIDER`).

use der::Decode as _;
use flex_jose::crypto::{
    self, OaepHash, Pkcs1Digest, RsaDecryptingKey, RsaSigningKey, RsaVerifyingKey, SystemRandom,
};
use flex_jose::rsa::{ExponentPolicy, KeyError, PrivateKey, PublicKey};
use flex_jose::{b64, compact};
use flex_testkit::read_to_string;

const F4: ExponentPolicy = ExponentPolicy::F4Only;

fn private(name: &str) -> PrivateKey {
    PrivateKey::from_pem(&read_to_string(&format!("keys/{name}.pk8.pem")), F4).unwrap()
}

fn public_jwk(name: &str) -> PublicKey {
    let jwk: serde_json::Value =
        serde_json::from_str(&read_to_string(&format!("keys/{name}.pub.jwk.json"))).unwrap();
    PublicKey::from_jwk_members(jwk["n"].as_str().unwrap(), jwk["e"].as_str().unwrap(), F4).unwrap()
}

/// The PKCS#1 `RSAPrivateKey` inside a PKCS#8 document.
fn inner_pkcs1(pkcs8: &[u8]) -> Vec<u8> {
    pkcs8::PrivateKeyInfoRef::from_der(pkcs8).unwrap().private_key.as_bytes().to_vec()
}

#[test]
fn pkcs8_and_pkcs1_read_to_the_same_canonical_key() {
    for name in ["rsa2048", "rsa3072", "rsa4096"] {
        let pem = read_to_string(&format!("keys/{name}.pk8.pem"));
        let key = PrivateKey::from_pem(&pem, F4).unwrap();
        assert_eq!(key.public_key(), &public_jwk(name), "{name}");
        let (_, der) = flex_jose::pem::decode(&pem).unwrap();
        let pkcs1 = inner_pkcs1(&der);
        let from_pkcs1 = PrivateKey::from_pkcs1_der(&pkcs1, F4).unwrap();
        let pkcs1_pem = flex_jose::pem::encode("RSA PRIVATE KEY", &pkcs1).unwrap();
        let from_pkcs1_pem = PrivateKey::from_pem(&pkcs1_pem, F4).unwrap();
        // The same key, whichever form it came in: the same public half and the same signature.
        let sign = |key: &PrivateKey| RsaSigningKey::new(key).unwrap().sign_rs256(b"m").unwrap();
        for other in [&from_pkcs1, &from_pkcs1_pem] {
            assert_eq!(other.public_key(), key.public_key(), "{name}");
            assert_eq!(sign(other), sign(&key), "{name}");
        }
        assert_eq!(format!("{key:?}"), format!("PrivateKey {{ bits: {}, .. }}", key.bits()));
    }
}

#[test]
fn the_policy_applies_before_any_provider() {
    assert_eq!(
        PrivateKey::from_pem(&read_to_string("keys/rsa1024.pk8.pem"), F4).err(),
        Some(KeyError::ModulusTooSmall { bits: 1024 })
    );
    assert_eq!(
        PrivateKey::from_pem(&read_to_string("keys/rsa2041.pk8.pem"), F4).err(),
        Some(KeyError::ModulusTooSmall { bits: 2041 })
    );
    let (_, der) = flex_jose::pem::decode(&read_to_string("keys/rsa2048.pk8.pem")).unwrap();
    // Truncated, or with a byte after the structure: strict DER.
    assert_eq!(PrivateKey::from_pkcs8_der(&der[..der.len() - 1], F4).err(), Some(KeyError::Der));
    let mut trailing = der.to_vec();
    trailing.push(0);
    assert_eq!(PrivateKey::from_pkcs8_der(&trailing, F4).err(), Some(KeyError::Der));
    // A PKCS#1 key given as PKCS#8 and the reverse.
    assert_eq!(PrivateKey::from_pkcs1_der(&der, F4).err(), Some(KeyError::Der));
    assert_eq!(PrivateKey::from_pkcs8_der(&inner_pkcs1(&der), F4).err(), Some(KeyError::Der));
}

/// The rsa2048 test key's PKCS#1 DER with one component replaced by `f` of it (0 = n ... 7 = qInv).
fn tampered(component: usize, f: impl Fn(&mut Vec<u8>)) -> Vec<u8> {
    use der::Encode as _;
    use der::asn1::UintRef;
    let (_, der) = flex_jose::pem::decode(&read_to_string("keys/rsa2048.pk8.pem")).unwrap();
    let pkcs1 = inner_pkcs1(&der);
    let key = pkcs1::RsaPrivateKey::<UintRef<'_>>::from_der(&pkcs1).unwrap();
    let mut parts: Vec<Vec<u8>> = [
        key.modulus,
        key.public_exponent,
        key.private_exponent,
        key.prime1,
        key.prime2,
        key.exponent1,
        key.exponent2,
        key.coefficient,
    ]
    .iter()
    .map(|u| u.as_bytes().to_vec())
    .collect();
    f(&mut parts[component]);
    let uint = |i: usize| UintRef::new(&parts[i]).unwrap();
    pkcs1::RsaPrivateKey {
        modulus: uint(0),
        public_exponent: uint(1),
        private_exponent: uint(2),
        prime1: uint(3),
        prime2: uint(4),
        exponent1: uint(5),
        exponent2: uint(6),
        coefficient: uint(7),
        other_prime_infos: None,
    }
    .to_der()
    .unwrap()
}

#[test]
fn inconsistent_private_components_are_refused_by_every_provider() {
    let flip = |v: &mut Vec<u8>| *v.last_mut().unwrap() ^= 2;
    // Untouched, the re-encoded key is accepted: the refusals below are the tampering's.
    let intact = PrivateKey::from_pkcs1_der(&tampered(0, |_| {}), F4).unwrap();
    assert!(RsaSigningKey::new(&intact).is_ok() && RsaDecryptingKey::new(&intact).is_ok());
    // d, p, q, dP, dQ, qInv each off by a little: the structure and the public half are fine, the key is not.
    for component in 2..8 {
        let key = PrivateKey::from_pkcs1_der(&tampered(component, flip), F4).unwrap();
        assert_eq!(
            RsaSigningKey::new(&key).err(),
            Some(crypto::RsaKeyProblem::Invalid),
            "component {component}"
        );
        assert_eq!(
            RsaDecryptingKey::new(&key).err(),
            Some(crypto::RsaKeyProblem::Invalid),
            "component {component}"
        );
    }
}

#[test]
fn a_pkcs8_v2_public_key_must_be_the_keys_own() {
    use der::Encode as _;
    let (_, der) = flex_jose::pem::decode(&read_to_string("keys/rsa2048.pk8.pem")).unwrap();
    let info = pkcs8::PrivateKeyInfoRef::from_der(&der).unwrap();
    let own = public_jwk("rsa2048").to_pkcs1_der();
    let other = public_jwk("rsa3072").to_pkcs1_der();
    let v2 = |public: &[u8]| {
        let mut with = info.clone();
        with.public_key = Some(der::asn1::BitStringRef::from_bytes(public).unwrap());
        with.to_der().unwrap()
    };
    assert!(PrivateKey::from_pkcs8_der(&v2(&own), F4).is_ok());
    assert_eq!(PrivateKey::from_pkcs8_der(&v2(&other), F4).err(), Some(KeyError::Der));
    assert_eq!(PrivateKey::from_pkcs8_der(&v2(b"garbage"), F4).err(), Some(KeyError::Der));
}

#[test]
fn signatures_match_the_reference_tokens_byte_for_byte() {
    // RSASSA-PKCS1-v1_5 is deterministic: our signature over a sample's signing input is the sample's signature.
    for name in ["rsa2048", "rsa3072", "rsa4096"] {
        let token = read_to_string(&format!("keys/{name}.sample.jwt"));
        let parts = compact::split_jws(token.trim(), 16 * 1024).unwrap();
        let expected = b64::decode_vec(parts.signature).unwrap();
        let signer = RsaSigningKey::new(&private(name)).unwrap();
        assert_eq!(signer.sign_rs256(parts.signing_input.as_bytes()).unwrap(), expected, "{name}");

        let verifier = RsaVerifyingKey::new(&public_jwk(name));
        let message = parts.signing_input.as_bytes();
        assert_eq!(verifier.verify(Pkcs1Digest::Sha256, message, &expected), Ok(()));
        // The prepared key is reused, and shared by a clone.
        let clone = verifier.clone();
        assert_eq!(clone.verify(Pkcs1Digest::Sha256, message, &expected), Ok(()));
        assert_eq!(verifier.verify(Pkcs1Digest::Sha384, message, &expected), Err(crypto::CryptoFailure));
        let mut flipped = expected.clone();
        flipped[7] ^= 1;
        assert_eq!(verifier.verify(Pkcs1Digest::Sha256, message, &flipped), Err(crypto::CryptoFailure));
        assert_eq!(verifier.verify(Pkcs1Digest::Sha256, message, &expected[1..]), Err(crypto::CryptoFailure));
        assert_eq!(
            verifier.verify(Pkcs1Digest::Sha256, b"another message", &expected),
            Err(crypto::CryptoFailure)
        );
    }
}

#[test]
fn oaep_round_trips_and_fails_without_detail() {
    let key = private("rsa2048");
    let decrypting = RsaDecryptingKey::new(&key).unwrap();
    let cek = [0x5au8; 32];
    for hash in [OaepHash::Sha1, OaepHash::Sha256] {
        let ciphertext = crypto::rsa_oaep_encrypt(hash, key.public_key(), &cek, &mut SystemRandom).unwrap();
        assert_eq!(ciphertext.len(), 256);
        let plain = decrypting.oaep_decrypt(hash, b"", &ciphertext, &mut SystemRandom).unwrap();
        assert_eq!(&plain[..], &cek[..]);
        let other = if hash == OaepHash::Sha1 { OaepHash::Sha256 } else { OaepHash::Sha1 };
        assert!(decrypting.oaep_decrypt(other, b"", &ciphertext, &mut SystemRandom).is_none());
        assert!(decrypting.oaep_decrypt(hash, b"label", &ciphertext, &mut SystemRandom).is_none());
        let mut tampered = ciphertext.clone();
        tampered[100] ^= 0x80;
        assert!(decrypting.oaep_decrypt(hash, b"", &tampered, &mut SystemRandom).is_none());
        assert!(decrypting.oaep_decrypt(hash, b"", &ciphertext[1..], &mut SystemRandom).is_none());
    }
    // Too long for the key (2048-bit OAEP-SHA256 carries at most 190 bytes).
    assert!(
        crypto::rsa_oaep_encrypt(OaepHash::Sha256, key.public_key(), &[0; 191], &mut SystemRandom).is_err()
    );
}

#[test]
fn the_provider_is_the_one_the_features_select() {
    let expected = if cfg!(feature = "fips") {
        "aws-lc-rs (FIPS)"
    } else if cfg!(feature = "aws-lc-rs") {
        "aws-lc-rs"
    } else {
        "ring"
    };
    assert_eq!(crypto::PROVIDER, expected);
}
