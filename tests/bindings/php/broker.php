<?php
// Request-reply broker (the guide's rrclient/rrworker/rrbroker): a ROUTER frontend and a
// DEALER backend shuttled by a poll loop, forked REQ clients and REP workers over tcp
// and ipc. Every client must get the answer to each of its own requests.
require __DIR__ . '/common.php';

const CLIENTS = 3;
const WORKERS = 2;
const REQUESTS = 20;

$dir = zt_tmpdir();
$ctx = zt_context();
$frontend = zt_socket($ctx, ZMQ::SOCKET_ROUTER);
$feEp = zt_bind_tcp($frontend);
$backend = zt_socket($ctx, ZMQ::SOCKET_DEALER);
$beEp = "ipc://$dir/backend.ipc";
$backend->bind($beEp);

$workers = [];
for ($w = 0; $w < WORKERS; $w++) {
    $workers[] = zt_fork(function () use ($beEp) {
        $ctx = zt_context();
        $rep = zt_socket($ctx, ZMQ::SOCKET_REP);
        $rep->setSockOpt(ZMQ::SOCKOPT_RCVTIMEO, 30000);
        $rep->connect($beEp);
        while (true) {
            $req = zt_recv($rep, 'request');
            $rep->send("World for $req from " . getmypid());
        }
    });
}
$clients = [];
for ($c = 0; $c < CLIENTS; $c++) {
    $clients[] = zt_fork(function () use ($feEp, $c) {
        $ctx = zt_context();
        $req = zt_socket($ctx, ZMQ::SOCKET_REQ);
        $req->connect($feEp);
        $served = [];
        for ($i = 0; $i < REQUESTS; $i++) {
            $req->send("Hello $c.$i");
            $rep = zt_recv($req, 'reply');
            if (!preg_match("/^World for Hello $c\\.$i from (\\d+)$/", $rep, $m)) {
                zt_fail("client $c got '$rep' for request $i");
            }
            $served[$m[1]] = ($served[$m[1]] ?? 0) + 1;
        }
        zt_log("client $c: " . REQUESTS . ' correct replies, by worker: ' . json_encode($served));
    });
}

$poller = new ZtPoller($frontend, $backend);
$replies = $requests = 0;
while ($replies < CLIENTS * REQUESTS) {
    $ready = $poller->readable(20000);
    if (!$ready) {
        zt_fail("broker idle for 20 s after $requests requests, $replies replies");
    }
    foreach ($ready as $s) {
        $msg = zt_recvmulti($s, 'message');
        if ($s === $frontend) {
            // [client identity, '', body]
            zt_eq(count($msg), 3, 'request envelope has identity, delimiter, body', true);
            $backend->sendMulti($msg);
            $requests++;
        } else {
            $frontend->sendMulti($msg);
            $replies++;
        }
    }
}
zt_eq($requests, CLIENTS * REQUESTS, 'broker forwarded every request');
zt_log("ok: broker forwarded $requests requests and $replies replies");
zt_wait_all($clients);
zt_log('ok: every client got the right replies');
foreach ($workers as $pid) {
    posix_kill($pid, SIGKILL);
    pcntl_waitpid($pid, $status);
}
zt_log('PASS');
