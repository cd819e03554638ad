//! RADIO/DISH on the wire: a DISH's joins and leaves become JOIN/LEAVE commands that
//! reach the RADIO's socket as flagged messages; a RADIO's message travels as a group
//! frame then its body and reaches the DISH's socket as one message with its group.

use super::*;
use crate::msg::flags;

fn join_or_leave(kind: u8, group: &[u8]) -> Msg {
    let mut msg = Msg::from_slice(group);
    msg.set_flags(kind);
    msg
}

#[test]
fn joins_and_leaves_reach_the_radio_as_commands() {
    let now = Instant::now();
    for security in [
        (Security::Null, Security::Null),
        (curve_client(), curve_server()),
    ] {
        let (mut dish, mut radio) = pair(
            config(ZMQ_DISH, security.0),
            config(ZMQ_RADIO, security.1),
            4096,
            now,
        );
        let longest = vec![b'g'; 255];
        dish.conn
            .send_message(join_or_leave(flags::JOIN, b"Movies"), true);
        dish.conn
            .send_message(join_or_leave(flags::JOIN, &longest), true);
        dish.conn
            .send_message(join_or_leave(flags::LEAVE, b"Movies"), true);
        exchange(&mut dish, &mut radio, 4096, now);
        let got: Vec<(u8, Vec<u8>)> = radio
            .inbox
            .iter()
            .map(|m| (m.flags() & (flags::JOIN | flags::LEAVE), m.data().to_vec()))
            .collect();
        assert_eq!(
            got,
            vec![
                (flags::JOIN, b"Movies".to_vec()),
                (flags::JOIN, longest.clone()),
                (flags::LEAVE, b"Movies".to_vec()),
            ]
        );
    }
}

#[test]
fn a_radio_message_reaches_the_dish_with_its_group() {
    let now = Instant::now();
    for security in [
        (Security::Null, Security::Null),
        (curve_client(), curve_server()),
    ] {
        for chunk in [7, 4096, 1 << 20] {
            let (mut radio, mut dish) = pair(
                config(ZMQ_RADIO, security.0.clone()),
                config(ZMQ_DISH, security.1.clone()),
                chunk,
                now,
            );
            let large = vec![7u8; 100_000];
            for (group, body) in [
                (&b"TV"[..], &b"News"[..]),
                (b"", b"no group"),
                (b"big", &large),
            ] {
                let mut msg = Msg::from_buffer(crate::msg::Buffer::copy_from(body).unwrap());
                msg.set_group(group).unwrap();
                while !radio.conn.has_room() {
                    let bytes = radio.take_output(now);
                    dish.feed(&bytes, chunk, now);
                }
                radio.conn.send_message(msg, true);
            }
            exchange(&mut radio, &mut dish, chunk, now);
            assert!(dish.failure.is_none(), "{:?}", dish.failure);
            let got: Vec<(Vec<u8>, Vec<u8>, bool)> = dish
                .inbox
                .iter()
                .map(|m| (m.group().to_bytes().to_vec(), m.data().to_vec(), m.more()))
                .collect();
            assert_eq!(
                got,
                vec![
                    (b"TV".to_vec(), b"News".to_vec(), false),
                    (b"".to_vec(), b"no group".to_vec(), false),
                    (b"big".to_vec(), large.clone(), false),
                ]
            );
        }
    }
}

#[test]
fn a_dish_fails_the_connection_on_frames_that_are_not_group_then_body() {
    let now = Instant::now();
    // As libzmq's DISH session (EFAULT): a group frame longer than 255 bytes.
    let (mut radio, mut dish) = pair(
        config(ZMQ_RADIO, Security::Null),
        config(ZMQ_DISH, Security::Null),
        4096,
        now,
    );
    let mut ok = Msg::from_slice(b"fine");
    ok.set_group(b"g").unwrap();
    radio.conn.send_message(ok, true);
    let mut msg = Msg::from_slice(b"body");
    let mut properties = crate::msg::Metadata::default();
    properties.insert("\0group", &[b'x'; 300]);
    msg.set_metadata(Some(crate::msg::SharedMetadata::new(properties)));
    radio.conn.send_message(msg, true);
    exchange(&mut radio, &mut dish, 4096, now);
    assert_eq!(dish.bodies(), vec![b"fine".to_vec()]);
    assert!(matches!(dish.failure, Some(Failure::Closed)));

    // A body frame with MORE (a multipart message after the group).
    let (mut radio, mut dish) = pair(
        config(ZMQ_RADIO, Security::Null),
        config(ZMQ_DISH, Security::Null),
        4096,
        now,
    );
    let mut msg = Msg::from_slice(b"part 1");
    msg.set_group(b"g").unwrap();
    msg.set_more(true);
    radio.conn.send_message(msg, true);
    exchange(&mut radio, &mut dish, 4096, now);
    assert!(dish.bodies().is_empty());
    assert!(matches!(dish.failure, Some(Failure::Closed)));
}
