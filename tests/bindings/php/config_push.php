<?php
// Configuration push centre (the guide's syncpub/syncsub): forked subscribers connect a
// SUB socket, and once their subscription demonstrably works (they have received the
// centre's "probe") they report in over REQ/REP. When all have reported, the centre
// publishes the configuration once; every subscriber must get exactly that.
require __DIR__ . '/common.php';

const SUBSCRIBERS = 4;

$dir = zt_tmpdir();
$ctx = zt_context();
$pub = zt_socket($ctx, ZMQ::SOCKET_PUB);
$pubEp = zt_bind_tcp($pub);
$sync = zt_socket($ctx, ZMQ::SOCKET_REP);
$syncEp = "ipc://$dir/sync.ipc";
$sync->bind($syncEp);

$config = json_encode(['version' => 7, 'servers' => ['a:1', 'b:2'], 'ttl' => 30]);
$pids = [];
for ($n = 0; $n < SUBSCRIBERS; $n++) {
    $pids[] = zt_fork(function () use ($pubEp, $syncEp, $config, $n) {
        $ctx = zt_context();
        $sub = zt_socket($ctx, ZMQ::SOCKET_SUB);
        $sub->setSockOpt(ZMQ::SOCKOPT_SUBSCRIBE, 'probe');
        $sub->setSockOpt(ZMQ::SOCKOPT_SUBSCRIBE, 'config');
        $sub->connect($pubEp);
        zt_eq(zt_recv($sub, 'probe'), 'probe', "subscriber $n: subscription is live");
        $req = zt_socket($ctx, ZMQ::SOCKET_REQ);
        $req->connect($syncEp);
        $req->send("ready $n");
        zt_eq(zt_recv($req, 'ack'), "welcome $n", "subscriber $n: reported in");
        do {
            $m = zt_recvmulti($sub, 'config');
        } while ($m === ['probe']);
        zt_eq($m, ['config', $config], "subscriber $n: got the configuration");
        $m = $sub->recv(ZMQ::MODE_DONTWAIT);
        while ($m === 'probe') {
            $m = $sub->recv(ZMQ::MODE_DONTWAIT);
        }
        zt_eq($m, false, "subscriber $n: configuration arrived exactly once");
    });
}

$in = [];
$poller = new ZtPoller($sync);
$deadline = time() + 30;
while (count($in) < SUBSCRIBERS) {
    if (time() > $deadline) {
        zt_fail('only ' . count($in) . ' subscribers reported in');
    }
    $pub->send('probe');
    foreach ($poller->readable(20) as $s) {
        [$word, $n] = explode(' ', zt_recv($sync, 'report'));
        zt_eq($word, 'ready', "report from subscriber $n", true);
        $in[$n] = true;
        $sync->send("welcome $n");
    }
}
zt_log('ok: all ' . SUBSCRIBERS . ' subscribers reported in');
$pub->sendMulti(['config', $config]);
zt_log('published the configuration once');
zt_wait_all($pids);
zt_log('ok: every subscriber got it exactly once');
zt_log('PASS');
