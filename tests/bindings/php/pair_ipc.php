<?php
// PAIR over ipc between two processes made with pcntl_fork: a ping-pong, a burst of
// 1000 numbered messages, multipart and a 1 MiB message, in both directions.
require __DIR__ . '/common.php';

$dir = zt_tmpdir();
$ep = "ipc://$dir/pair.ipc";
$big = str_repeat(hash('sha256', 'zmq', true), 32768); // 1 MiB

function exchange(ZMQSocket $s, string $me, string $big): void
{
    $peer = $me === 'parent' ? 'child' : 'parent';
    $s->send("ping from $me");
    zt_eq(zt_recv($s, 'ping'), "ping from $peer", "$me: ping from $peer arrives");
    for ($i = 0; $i < 1000; $i++) {
        $s->send("$me $i");
    }
    for ($i = 0; $i < 1000; $i++) {
        zt_eq(zt_recv($s, 'burst'), "$peer $i", "$me: burst message $i", true);
    }
    zt_log("ok: $me: 1000 messages from $peer in order");
    $s->sendMulti([$me, '', 'three']);
    zt_eq(zt_recvmulti($s, 'multipart'), [$peer, '', 'three'], "$me: multipart from $peer");
    $s->send($big);
    $got = zt_recv($s, 'big message');
    zt_check($got === $big, "$me: 1 MiB message from $peer intact");
}

$child = zt_fork(function () use ($ep, $big) {
    $ctx = zt_context();
    $pair = zt_socket($ctx, ZMQ::SOCKET_PAIR);
    $pair->connect($ep);
    exchange($pair, 'child', $big);
    zt_eq(zt_recv($pair, 'bye'), 'bye', 'child: bye');
});
$ctx = zt_context();
$pair = zt_socket($ctx, ZMQ::SOCKET_PAIR);
$pair->bind($ep);
exchange($pair, 'parent', $big);
$pair->send('bye');
zt_wait_all([$child]);
zt_log('PASS');
