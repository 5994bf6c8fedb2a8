/* test-client-list.c: GsockClientList, a server's clients as a list model
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gio/gunixsocketaddress.h>
#include <gsock/gsock.h>

#include "gsock-client-list-private.h"
#include "gsock-test-util.h"

typedef struct
{
  guint position;
  guint removed;
  guint added;
} Change;

static void
record_change_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  GArray     *changes)
{
  Change change = { position, removed, added };

  g_array_append_val (changes, change);
}

static void
assert_change (GArray *changes,
               guint   index,
               guint   position,
               guint   removed,
               guint   added)
{
  Change *change = &g_array_index (changes, Change, index);

  g_assert_cmpuint (change->position, ==, position);
  g_assert_cmpuint (change->removed, ==, removed);
  g_assert_cmpuint (change->added, ==, added);
}

static void
assert_order (GListModel      *model,
              GsockTcpClient **clients,
              const guint     *expected,
              guint            n)
{
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GsockTcpClient) item = g_list_model_get_item (model, i);

      g_assert_true (item == clients[expected[i]]);
    }
  g_assert_null (g_list_model_get_item (model, n));
}

static void
test_keeps_order_and_reports_changes (void)
{
  g_autoptr(GsockClientList) list = _gsock_client_list_new ();
  GListModel *model = G_LIST_MODEL (list);
  g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (Change));
  g_autoptr(GsockTcpClient) stranger = gsock_tcp_client_new ("127.0.0.1", 1);
  GsockTcpClient *clients[5];
  static const guint all[] = { 0, 1, 2, 3, 4 };
  static const guint without_middle_and_last[] = { 0, 1, 3 };

  g_assert_true (g_list_model_get_item_type (model) == GSOCK_TYPE_TCP_CLIENT);
  g_signal_connect (list, "items-changed", G_CALLBACK (record_change_cb), changes);
  for (guint i = 0; i < G_N_ELEMENTS (clients); i++)
    {
      clients[i] = gsock_tcp_client_new ("127.0.0.1", 1);
      _gsock_client_list_append (list, clients[i], NULL);
      assert_change (changes, i, i, 0, 1);
    }
  assert_order (model, clients, all, 5);

  /* Removed from anywhere, the others keep their order. */
  g_assert_true (_gsock_client_list_remove (list, clients[2]));
  assert_change (changes, 5, 2, 1, 0);
  g_assert_true (_gsock_client_list_remove (list, clients[4]));
  assert_change (changes, 6, 3, 1, 0);
  assert_order (model, clients, without_middle_and_last, 3);

  /* Not (or no longer) in the list: nothing happens. */
  g_assert_false (_gsock_client_list_remove (list, clients[2]));
  g_assert_false (_gsock_client_list_remove (list, stranger));
  g_assert_cmpuint (changes->len, ==, 7);

  _gsock_client_list_remove_all (list);
  assert_change (changes, 7, 0, 3, 0);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 0);
  _gsock_client_list_remove_all (list);
  g_assert_cmpuint (changes->len, ==, 8);

  /* The list held references of its own, and dropped them. */
  for (guint i = 0; i < G_N_ELEMENTS (clients); i++)
    g_assert_finalize_object (clients[i]);
}

/* A new address object each time: lookups go by value, not by pointer. */
static GSocketAddress *
address (const char *ip,
         guint16     port)
{
  return g_inet_socket_address_new_from_string (ip, port);
}

static void
test_finds_by_address (void)
{
  g_autoptr(GsockClientList) list = _gsock_client_list_new ();
  g_autoptr(GsockTcpClient) a = gsock_tcp_client_new ("127.0.0.1", 1);
  g_autoptr(GsockTcpClient) b = gsock_tcp_client_new ("127.0.0.1", 1);
  g_autoptr(GsockTcpClient) six = gsock_tcp_client_new ("127.0.0.1", 1);
  g_autoptr(GsockTcpClient) unnamed = gsock_tcp_client_new ("127.0.0.1", 1);
  g_autoptr(GSocketAddress) a_address = address ("127.0.0.1", 4000);
  g_autoptr(GSocketAddress) b_address = address ("127.0.0.1", 4001);
  g_autoptr(GSocketAddress) six_address = address ("::1", 4000);
  g_autoptr(GSocketAddress) query = NULL;
  g_autoptr(GSocketAddress) other_ip = address ("127.0.0.2", 4000);
  g_autoptr(GSocketAddress) unix_address = g_unix_socket_address_new ("/nonexistent");

  _gsock_client_list_append (list, a, a_address);
  _gsock_client_list_append (list, b, b_address);
  _gsock_client_list_append (list, six, six_address);
  _gsock_client_list_append (list, unnamed, NULL);

  query = address ("127.0.0.1", 4000);
  g_assert_true (_gsock_client_list_find_by_address (list, query) == a);
  g_clear_object (&query);
  query = address ("127.0.0.1", 4001);
  g_assert_true (_gsock_client_list_find_by_address (list, query) == b);
  g_clear_object (&query);
  query = address ("::1", 4000);
  g_assert_true (_gsock_client_list_find_by_address (list, query) == six);

  /* Same port on another IP, or not an IP address at all: nobody. */
  g_assert_null (_gsock_client_list_find_by_address (list, other_ip));
  g_assert_null (_gsock_client_list_find_by_address (list, unix_address));

  g_assert_true (_gsock_client_list_remove (list, a));
  g_assert_null (_gsock_client_list_find_by_address (list, a_address));
  g_assert_true (_gsock_client_list_find_by_address (list, b_address) == b);
  g_assert_true (_gsock_client_list_remove (list, unnamed));
  _gsock_client_list_remove_all (list);
  g_assert_null (_gsock_client_list_find_by_address (list, b_address));
}

/* A wildcard listener can have two clients from one IP and port (to two of its addresses):
 * the oldest is found, and the next once it has left. */
static void
test_finds_oldest_of_one_address (void)
{
  g_autoptr(GsockClientList) list = _gsock_client_list_new ();
  GsockTcpClient *clients[3];

  for (guint i = 0; i < G_N_ELEMENTS (clients); i++)
    {
      g_autoptr(GSocketAddress) from = address ("127.0.0.1", 4000);

      clients[i] = gsock_tcp_client_new ("127.0.0.1", 1);
      _gsock_client_list_append (list, clients[i], from);
    }

  {
    g_autoptr(GSocketAddress) query = address ("127.0.0.1", 4000);

    g_assert_true (_gsock_client_list_find_by_address (list, query) == clients[0]);
    g_assert_true (_gsock_client_list_remove (list, clients[0]));
    g_assert_true (_gsock_client_list_find_by_address (list, query) == clients[1]);
    /* Leaving from behind changes nothing. */
    g_assert_true (_gsock_client_list_remove (list, clients[2]));
    g_assert_true (_gsock_client_list_find_by_address (list, query) == clients[1]);
    g_assert_true (_gsock_client_list_remove (list, clients[1]));
    g_assert_null (_gsock_client_list_find_by_address (list, query));
  }
  for (guint i = 0; i < G_N_ELEMENTS (clients); i++)
    g_assert_finalize_object (clients[i]);
}

static void
test_many_removed_newest_first (void)
{
  g_autoptr(GsockClientList) list = _gsock_client_list_new ();
  GPtrArray *clients = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < 10000; i++)
    {
      g_autoptr(GSocketAddress) from = address ("127.0.0.1", 10000 + i);

      g_ptr_array_add (clients, gsock_tcp_client_new ("127.0.0.1", 1));
      _gsock_client_list_append (list, clients->pdata[i], from);
    }
  for (guint i = clients->len; i > 0; i--)
    {
      g_autoptr(GsockTcpClient) last = g_list_model_get_item (G_LIST_MODEL (list), i - 1);
      g_autoptr(GSocketAddress) from = address ("127.0.0.1", 10000 + i - 1);

      g_assert_true (last == clients->pdata[i - 1]);
      g_assert_true (_gsock_client_list_find_by_address (list, from) == last);
      g_assert_true (_gsock_client_list_remove (list, clients->pdata[i - 1]));
    }
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 0);
  g_ptr_array_unref (clients);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  gsock_test_install_watchdog ();

  g_test_add_func ("/Gsock/ClientList/keeps-order-and-reports-changes",
                   test_keeps_order_and_reports_changes);
  g_test_add_func ("/Gsock/ClientList/finds-by-address", test_finds_by_address);
  g_test_add_func ("/Gsock/ClientList/finds-oldest-of-one-address",
                   test_finds_oldest_of_one_address);
  g_test_add_func ("/Gsock/ClientList/many-removed-newest-first", test_many_removed_newest_first);

  return g_test_run ();
}
