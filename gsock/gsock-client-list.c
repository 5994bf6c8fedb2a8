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
  GHashTable *iters;       /* GsockTcpClient * -> its GSequenceIter in clients */
};

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

  g_hash_table_unref (self->iters);
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
  self->iters = g_hash_table_new (NULL, NULL);
}

GsockClientList *
_gsock_client_list_new (void)
{
  return g_object_new (GSOCK_TYPE_CLIENT_LIST, NULL);
}

void
_gsock_client_list_append (GsockClientList *self,
                           GsockTcpClient  *client)
{
  GSequenceIter *iter;

  g_return_if_fail (!g_hash_table_contains (self->iters, client));

  iter = g_sequence_append (self->clients, g_object_ref (client));
  g_hash_table_insert (self->iters, client, iter);
  g_list_model_items_changed (G_LIST_MODEL (self), g_sequence_iter_get_position (iter), 0, 1);
}

gboolean
_gsock_client_list_remove (GsockClientList *self,
                           GsockTcpClient  *client)
{
  GSequenceIter *iter = g_hash_table_lookup (self->iters, client);
  guint position;

  if (iter == NULL)
    return FALSE;

  position = g_sequence_iter_get_position (iter);
  g_hash_table_remove (self->iters, client);
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
  g_hash_table_remove_all (self->iters);
  g_sequence_remove_range (g_sequence_get_begin_iter (self->clients),
                           g_sequence_get_end_iter (self->clients));
  g_list_model_items_changed (G_LIST_MODEL (self), 0, n, 0);
}
