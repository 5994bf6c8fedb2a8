/* test-client-list.c: GsockClientList, a server's clients as a list model
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

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
      _gsock_client_list_append (list, clients[i]);
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

static void
test_many_removed_newest_first (void)
{
  g_autoptr(GsockClientList) list = _gsock_client_list_new ();
  GPtrArray *clients = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < 10000; i++)
    {
      g_ptr_array_add (clients, gsock_tcp_client_new ("127.0.0.1", 1));
      _gsock_client_list_append (list, clients->pdata[i]);
    }
  for (guint i = clients->len; i > 0; i--)
    {
      g_autoptr(GsockTcpClient) last = g_list_model_get_item (G_LIST_MODEL (list), i - 1);

      g_assert_true (last == clients->pdata[i - 1]);
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
  g_test_add_func ("/Gsock/ClientList/many-removed-newest-first", test_many_removed_newest_first);

  return g_test_run ();
}
