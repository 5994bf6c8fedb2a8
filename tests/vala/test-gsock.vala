/* test-gsock.vala: the generated gsock-1.0.vapi, used from Vala
 *
 * The tutorial's UDP exchange: a server bound to 127.0.0.1 on a free port answers from its
 * message-received handler; the client sends "Hello Server" and waits for the answer with the
 * blocking receive and a timeout. Any mismatch exits non-zero.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

int failures = 0;

void check (bool ok, string what) {
    if (ok) {
        print ("ok: %s\n", what);
    } else {
        printerr ("FAIL: %s\n", what);
        failures++;
    }
}

int main () {
    var server = new Gsock.UdpEndpoint ("127.0.0.1", 0);
    var client = new Gsock.UdpEndpoint (null, 0);
    string? seen = null;

    server.message_received.connect ((endpoint, message) => {
        try {
            seen = message.get_text ();
            check (seen == "Hello Server", "the server receives \"Hello Server\" (got \"%s\")".printf (seen));
            check (message.get_endpoint () == endpoint, "the message knows its endpoint");
            check (message.get_sender () is InetSocketAddress, "the message has a sender");
            message.reply ("Hello Client");
        } catch (Error e) {
            check (false, "the server handler: %s".printf (e.message));
        }
    });

    try {
        server.bind ();
        check (server.state == Gsock.State.OPEN, "the server is open after bind");

        var local = server.local_address as InetSocketAddress;
        check (local != null && local.port != 0, "the server reports the port it got");
        if (local == null || local.port == 0)
            return 1;

        var target = new InetSocketAddress.from_string ("127.0.0.1", local.port);
        client.timeout = 5000; /* ms: a lost datagram fails the test instead of hanging it */
        check (client.send ("Hello Server", target), "the client sends");

        SocketAddress? sender = null;
        string reply = client.receive (out sender, null);
        check (reply == "Hello Client", "the client receives the reply (got \"%s\")".printf (reply));
        check (seen == "Hello Server", "the handler ran before the reply arrived");

        var from = sender as InetSocketAddress;
        check (from != null && from.port == local.port, "the reply comes from the server's port");
        check (client.messages_received == 1, "the client counted one message");
        check (server.messages_received == 1 && server.messages_sent == 1,
               "the server counted one message each way");
    } catch (Error e) {
        check (false, "%s (%s, %d)".printf (e.message, e.domain.to_string (), e.code));
    }

    client.close ();
    server.close ();
    check (server.state == Gsock.State.CLOSED, "the server is closed after close");

    if (failures > 0) {
        printerr ("%d check(s) failed\n", failures);
        return 1;
    }
    return 0;
}
