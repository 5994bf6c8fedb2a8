/* gsock-client-list.c: a server's connected clients, as a list model
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gsock-client-list-private.h"

struct _GsockClientList
{
  GObject parent_instance;

  GSequence *clients;      /* GsockTcpClient * (owned), in the order they were added */
  GHashTable *places;      /* GsockTcpClient * -> Place * (owned) */
  /* GInetSocketAddress * -> GList * of the Places of the clients from it, oldest first:
   * nearly always one, but a wildcard listener can have two from one IP and port (to two
   * of its local addresses). The keys are the first Place's address. */
  GHashTable *by_address;
};

/* Where a client is, and the remote address it is found by (if it was given one). */
typedef struct
{
  GSequenceIter *iter;
  GsockTcpClient *client;
  GSocketAddress *address;
} Place;

static void
place_free (Place *place)
{
  g_clear_object (&place->address);
  g_free (place);
}

static gboolean
same_address (gconstpointer a,
              gconstpointer b)
{
  GInetSocketAddress *x = G_INET_SOCKET_ADDRESS (a), *y = G_INET_SOCKET_ADDRESS (b);

  return g_inet_socket_address_get_port (x) == g_inet_socket_address_get_port (y) &&
         g_inet_address_equal (g_inet_socket_address_get_address (x),
                               g_inet_socket_address_get_address (y));
}

static guint
address_hash (gconstpointer key)
{
  GInetSocketAddress *address = G_INET_SOCKET_ADDRESS (key);
  GInetAddress *inet = g_inet_socket_address_get_address (address);
  const guint8 *bytes = g_inet_address_to_bytes (inet);
  gsize size = g_inet_address_get_native_size (inet);
  guint hash = g_inet_socket_address_get_port (address);

  for (gsize i = 0; i < size; i++)
    hash = hash * 31 + bytes[i];
  return hash;
}

static void gsock_client_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GsockClientList, _gsock_client_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      gsock_client_list_model_init))

static GType
gsock_client_list_get_item_type (GListModel *model)
{
  return GSOCK_TYPE_TCP_CLIENT;
}

static guint
gsock_client_list_get_n_items (GListModel *model)
{
  return g_sequence_get_length (GSOCK_CLIENT_LIST (model)->clients);
}

static gpointer
gsock_client_list_get_item (GListModel *model,
                            guint       position)
{
  GsockClientList *self = GSOCK_CLIENT_LIST (model);
  GSequenceIter *iter = g_sequence_get_iter_at_pos (self->clients, position);

  if (g_sequence_iter_is_end (iter))
    return NULL;
  return g_object_ref (g_sequence_get (iter));
}

static void
gsock_client_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = gsock_client_list_get_item_type;
  iface->get_n_items = gsock_client_list_get_n_items;
  iface->get_item = gsock_client_list_get_item;
}

static void
gsock_client_list_finalize (GObject *object)
{
  GsockClientList *self = GSOCK_CLIENT_LIST (object);

  g_hash_table_unref (self->by_address);
  g_hash_table_unref (self->places);
  g_sequence_free (self->clients);
  G_OBJECT_CLASS (_gsock_client_list_parent_class)->finalize (object);
}

static void
_gsock_client_list_class_init (GsockClientListClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gsock_client_list_finalize;
}

static void
_gsock_client_list_init (GsockClientList *self)
{
  self->clients = g_sequence_new (g_object_unref);
  self->places = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) place_free);
  self->by_address = g_hash_table_new_full (address_hash, same_address, NULL,
                                            (GDestroyNotify) g_list_free);
}

GsockClientList *
_gsock_client_list_new (void)
{
  return g_object_new (GSOCK_TYPE_CLIENT_LIST, NULL);
}

void
_gsock_client_list_append (GsockClientList *self,
                           GsockTcpClient  *client,
                           GSocketAddress  *address)
{
  Place *place;

  g_return_if_fail (!g_hash_table_contains (self->places, client));

  place = g_new0 (Place, 1);
  place->client = client;
  place->iter = g_sequence_append (self->clients, g_object_ref (client));
  g_hash_table_insert (self->places, client, place);
  if (G_IS_INET_SOCKET_ADDRESS (address))
    {
      GList *same = g_hash_table_lookup (self->by_address, address);

      place->address = g_object_ref (address);
      if (same == NULL)
        g_hash_table_insert (self->by_address, place->address, g_list_prepend (NULL, place));
      else
        same = g_list_append (same, place); /* the head, and so the value, stays */
    }
  g_list_model_items_changed (G_LIST_MODEL (self), g_sequence_iter_get_position (place->iter),
                              0, 1);
}

/* Takes @place out of the index of its address. */
static void
unindex (GsockClientList *self,
         Place           *place)
{
  gpointer key;
  GList *same;

  /* The key is the first Place's address: the rest, if any, is keyed by its own first. */
  if (!g_hash_table_steal_extended (self->by_address, place->address, &key, (gpointer *) &same))
    g_assert_not_reached ();
  same = g_list_remove (same, place);
  if (same != NULL)
    g_hash_table_insert (self->by_address, ((Place *) same->data)->address, same);
}

gboolean
_gsock_client_list_remove (GsockClientList *self,
                           GsockTcpClient  *client)
{
  Place *place = g_hash_table_lookup (self->places, client);
  GSequenceIter *iter;
  guint position;

  if (place == NULL)
    return FALSE;

  iter = place->iter;
  position = g_sequence_iter_get_position (iter);
  if (place->address != NULL)
    unindex (self, place);
  g_hash_table_remove (self->places, client);
  g_sequence_remove (iter);
  g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);
  return TRUE;
}

void
_gsock_client_list_remove_all (GsockClientList *self)
{
  guint n = g_sequence_get_length (self->clients);

  if (n == 0)
    return;
  g_hash_table_remove_all (self->by_address);
  g_hash_table_remove_all (self->places);
  g_sequence_remove_range (g_sequence_get_begin_iter (self->clients),
                           g_sequence_get_end_iter (self->clients));
  g_list_model_items_changed (G_LIST_MODEL (self), 0, n, 0);
}

GsockTcpClient *
_gsock_client_list_find_by_address (GsockClientList *self,
                                    GSocketAddress  *address)
{
  GList *same;

  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return NULL;
  same = g_hash_table_lookup (self->by_address, address);
  return same != NULL ? ((Place *) same->data)->client : NULL;
}
