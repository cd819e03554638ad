<?php
// PUB/SUB with prefix filters over inproc, tcp and ipc: a subscriber sees exactly the
// topics it subscribed to, in order, multipart envelopes stay whole, unsubscribe works.
require __DIR__ . '/common.php';

// Publishes "sync" until every subscriber has seen one: subscriptions travel
// asynchronously (the slow-joiner problem), so this proves they are in place.
function sync_subscribers(ZMQSocket $pub, array $subs): void
{
    $pending = $subs;
    for ($tries = 0; $pending && $tries < 1000; $tries++) {
        $pub->send('sync');
        usleep(10000);
        foreach ($pending as $k => $sub) {
            while (($m = $sub->recv(ZMQ::MODE_DONTWAIT)) !== false) {
                if ($m === 'sync') {
                    unset($pending[$k]);
                }
            }
        }
    }
    if ($pending) {
        zt_fail('subscriptions never reached the publisher');
    }
    // Drain the extra syncs.
    usleep(50000);
    foreach ($subs as $sub) {
        while ($sub->recv(ZMQ::MODE_DONTWAIT) !== false) {
        }
    }
}

function drain(ZMQSocket $sub, string $last): array
{
    $got = [];
    do {
        $m = zt_recv($sub, "messages up to '$last'");
        $got[] = $m;
    } while ($m !== $last);
    return $got;
}

$dir = zt_tmpdir();
$ctx = zt_context();
foreach (['inproc://weather', 'tcp://127.0.0.1:*', "ipc://$dir/weather.ipc"] as $ep) {
    $pub = zt_socket($ctx, ZMQ::SOCKET_PUB);
    $pub->bind($ep);
    $ep = $pub->getSockOpt(ZMQ::SOCKOPT_LAST_ENDPOINT);

    $nyc = zt_socket($ctx, ZMQ::SOCKET_SUB);
    $nyc->setSockOpt(ZMQ::SOCKOPT_SUBSCRIBE, 'sync');
    $nyc->setSockOpt(ZMQ::SOCKOPT_SUBSCRIBE, '10001 ');
    $nyc->setSockOpt(ZMQ::SOCKOPT_SUBSCRIBE, 'end');
    $nyc->connect($ep);
    $all = zt_socket($ctx, ZMQ::SOCKET_SUB);
    $all->setSockOpt(ZMQ::SOCKOPT_SUBSCRIBE, '');
    $all->connect($ep);
    $none = zt_socket($ctx, ZMQ::SOCKET_SUB);
    $none->setSockOpt(ZMQ::SOCKOPT_SUBSCRIBE, 'sync');
    $none->setSockOpt(ZMQ::SOCKOPT_SUBSCRIBE, 'end');
    $none->connect($ep);
    sync_subscribers($pub, [$nyc, $all, $none]);
    zt_log("ok: $ep: three subscriptions reached the publisher");

    $sent = [];
    for ($i = 0; $i < 300; $i++) {
        $zip = [10001, 10002, 20001][$i % 3];
        $sent[] = sprintf('%05d %d %d', $zip, $i, 20 + $i % 15);
    }
    foreach ($sent as $m) {
        $pub->send($m);
    }
    $pub->send('end');
    $want = array_values(array_filter($sent, fn ($m) => str_starts_with($m, '10001 ')));
    zt_eq(drain($nyc, 'end'), array_merge($want, ['end']), "$ep: '10001 ' subscriber gets its 100 updates in order");
    zt_eq(drain($all, 'end'), array_merge($sent, ['end']), "$ep: '' subscriber gets all 300 in order");
    zt_eq(drain($none, 'end'), ['end'], "$ep: subscriber to other topics gets none of them");

    // Multipart: the filter looks at the first frame only, the message stays whole.
    $pub->sendMulti(['10001 ', 'body', 'more']);
    $pub->sendMulti(['20001 ', 'body']);
    $pub->send('end');
    zt_eq(zt_recvmulti($nyc, 'envelope'), ['10001 ', 'body', 'more'], "$ep: multipart envelope arrives whole");
    zt_eq(zt_recv($nyc, 'end'), 'end', "$ep: other envelope filtered out");

    // Unsubscribe, then make sure the publisher has seen it before checking.
    $nyc->setSockOpt(ZMQ::SOCKOPT_UNSUBSCRIBE, '10001 ');
    $gone = false;
    for ($tries = 0; !$gone && $tries < 500; $tries++) {
        $pub->send('10001 probe');
        $pub->send('end');
        $m = zt_recv($nyc, 'end after unsubscribe');
        if ($m === 'end') {
            $gone = true;
        } else {
            zt_recv($nyc, 'end');
            usleep(10000);
        }
    }
    zt_check($gone, "$ep: after UNSUBSCRIBE the topic stops arriving");
    unset($pub, $nyc, $all, $none);
}
zt_log('PASS');
