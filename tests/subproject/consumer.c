/* consumer.c: a program built against gsock as a subproject (tests/subproject/meson.build)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gsock/gsock.h>

/* Sends a datagram to itself over loopback and reads it back: the headers, the library and
 * its GIO dependency all came through dependency ('gsock-1.0'). */
int
main (void)
{
  g_autoptr(GsockUdpEndpoint) endpoint = gsock_udp_endpoint_new ("127.0.0.1", 0);
  GSocketAddress *self_address;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  gsock_endpoint_set_timeout (GSOCK_ENDPOINT (endpoint), 5000);
  if (!gsock_udp_endpoint_bind (endpoint, &error))
    return (g_printerr ("bind: %s\n", error->message), 1);
  self_address = gsock_endpoint_get_local_address (GSOCK_ENDPOINT (endpoint));
  if (!gsock_endpoint_send (GSOCK_ENDPOINT (endpoint), "hello", self_address, &error))
    return (g_printerr ("send: %s\n", error->message), 1);
  text = gsock_endpoint_receive (GSOCK_ENDPOINT (endpoint), NULL, NULL, &error);
  if (text == NULL)
    return (g_printerr ("receive: %s\n", error->message), 1);
  if (g_strcmp0 (text, "hello") != 0)
    return (g_printerr ("received \"%s\", not \"hello\"\n", text), 1);
  g_print ("consumer: received %s\n", text);
  return 0;
}
