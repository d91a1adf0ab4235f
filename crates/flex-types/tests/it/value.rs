use std::borrow::Cow;

use flex_types::{Number, Value};

#[test]
fn keeps_order_duplicates_and_borrows() {
    let s = r#"{"b":1,"a":"x\"y","b":2,"arr":[true,null,-3,1.5,18446744073709551615,-9223372036854775808]}"#;
    let v: Value<'_> = serde_json::from_str(s).unwrap();
    let obj = v.as_object().unwrap();
    assert_eq!(obj.iter().map(|(k, _)| k.as_ref()).collect::<Vec<_>>(), ["b", "a", "b", "arr"]);
    assert!(obj.iter().all(|(k, _)| matches!(k, Cow::Borrowed(_))));
    assert_eq!(v.get("b").and_then(Value::as_i64), Some(1), "first member wins");
    assert!(matches!(v.get("a"), Some(Value::String(Cow::Owned(s))) if s == "x\"y"));
    let arr = v.get("arr").and_then(Value::as_array).unwrap();
    assert_eq!(arr[0].as_bool(), Some(true));
    assert!(arr[1].is_null());
    assert_eq!(arr[2].as_i64(), Some(-3));
    assert_eq!(arr[3].as_number().map(|n| n.as_f64()), Some(1.5));
    assert_eq!(arr[4].as_number().and_then(|n| n.as_u64()), Some(u64::MAX));
    assert_eq!(arr[5].as_i64(), Some(i64::MIN));
    assert_eq!(serde_json::to_string(&v).unwrap(), s);
    assert_eq!(v.clone().into_owned(), v);
}

#[test]
fn lookups() {
    let v: Value<'_> = serde_json::from_str(r#"{"a":{"b":[{"c":"d"}]},"x.y":1}"#).unwrap();
    assert_eq!(v.pointer("a.b.0.c").and_then(Value::as_str), Some("d"));
    assert_eq!(v.pointer(""), Some(&v));
    assert_eq!(v.pointer("a.b.1"), None);
    assert_eq!(v.pointer("a.b.c"), None);
    assert_eq!(v.pointer("a.b.0.c.d"), None);
    assert_eq!(v.pointer("x.y"), None);
    assert_eq!(v.get_path(["x.y"]).and_then(Value::as_i64), Some(1));
    assert_eq!(Value::from("s").get("a"), None);
    assert_eq!(v.kind(), "an object");
}

#[test]
fn numbers() {
    let big: Value<'_> = serde_json::from_str("123456789012345678901234567890").unwrap();
    assert!(!big.as_number().unwrap().is_integer());
    assert_eq!(Number::from_f64(f64::NAN), None);
    assert_eq!(Number::from(-1i64).as_u64(), None);
    assert_eq!(Number::from(5i64).as_u64(), Some(5));
    assert_eq!(Number::from(7u32).to_string(), "7");
    let built: Value<'_> = [("n", Value::from(3i64)), ("s", Value::from("t"))].into_iter().collect();
    assert_eq!(serde_json::to_string(&built).unwrap(), r#"{"n":3,"s":"t"}"#);
}
