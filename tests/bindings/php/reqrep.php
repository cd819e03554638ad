<?php
// REQ/REP: hello world over inproc, tcp and ipc in one process, the REQ state machine
// (EFSM), multipart, and a forked server answering a client over tcp.
require __DIR__ . '/common.php';

$dir = zt_tmpdir();
$ctx = zt_context();
foreach (['inproc://hello', 'tcp://127.0.0.1:*', "ipc://$dir/hello.ipc"] as $ep) {
    $rep = zt_socket($ctx, ZMQ::SOCKET_REP);
    $rep->bind($ep);
    $ep = $rep->getSockOpt(ZMQ::SOCKOPT_LAST_ENDPOINT);
    $req = zt_socket($ctx, ZMQ::SOCKET_REQ);
    $req->connect($ep);
    for ($i = 0; $i < 10; $i++) {
        $req->send("Hello $i");
        zt_eq(zt_recv($rep, 'request'), "Hello $i", "$ep: request $i arrives", true);
        $rep->send("World $i");
        zt_eq(zt_recv($req, 'reply'), "World $i", "$ep: reply $i arrives", true);
    }
    zt_log("ok: $ep: 10 request/reply round trips");
    $req->sendMulti(['a', '', 'c']);
    zt_eq(zt_recvmulti($rep, 'multipart request'), ['a', '', 'c'], "$ep: multipart request");
    $rep->sendMulti(['x', 'y']);
    zt_eq(zt_recvmulti($req, 'multipart reply'), ['x', 'y'], "$ep: multipart reply");

    // A REQ socket cannot send twice in a row: libzmq fails with EFSM.
    $req->send('one');
    try {
        $req->send('two');
        zt_fail("$ep: second send on REQ succeeded");
    } catch (ZMQSocketException $e) {
        zt_eq($e->getCode(), ZMQ::ERR_EFSM, "$ep: second REQ send fails with EFSM");
    }
    zt_recv($rep, 'request one');
    $rep->send('done');
    zt_recv($req, 'reply done');
    // REQ must send next (EFSM on recv); REP has nothing to read (EAGAIN -> false).
    try {
        $req->recv(ZMQ::MODE_DONTWAIT);
        zt_fail("$ep: recv on REQ after its reply succeeded");
    } catch (ZMQSocketException $e) {
        zt_eq($e->getCode(), ZMQ::ERR_EFSM, "$ep: recv on REQ in send state fails with EFSM");
    }
    zt_eq($rep->recv(ZMQ::MODE_DONTWAIT), false, "$ep: DONTWAIT recv on idle REP returns false");
    unset($req, $rep);
}

// The server in its own process, as in the guide's hwserver/hwclient.
$ctx = null;
$probe = zt_context();
$tmp = zt_socket($probe, ZMQ::SOCKET_REP);
$ep = zt_bind_tcp($tmp);
$tmp->unbind($ep);
unset($tmp, $probe);

$server = zt_fork(function () use ($ep) {
    $ctx = zt_context();
    $rep = zt_socket($ctx, ZMQ::SOCKET_REP);
    $rep->bind($ep);
    for ($i = 0; $i < 5; $i++) {
        $m = zt_recv($rep, 'request');
        $rep->send(strrev($m));
    }
    zt_log('server answered 5 requests');
});
$ctx = zt_context();
$req = zt_socket($ctx, ZMQ::SOCKET_REQ);
$req->connect($ep);
for ($i = 0; $i < 5; $i++) {
    $req->send("request-$i");
    zt_eq(zt_recv($req, 'reply'), strrev("request-$i"), "forked server reply $i", true);
}
zt_log("ok: 5 replies from the forked server over $ep");
zt_wait_all([$server]);
zt_log('PASS');
