/* gsock-endpoint-resolve.c: the address an endpoint binds or listens on, resolved before it opens
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gsock-endpoint-private.h"

/* The functions declared in gsock-endpoint-private.h for the kinds that bind or listen
 * (GsockUdpEndpoint, GsockTcpServer): _gsock_endpoint_open_with(), the asynchronous open
 * that never blocks on DNS, and _gsock_endpoint_resolve(), the blocking calls' lookup. Both
 * give every address a name resolves to, in the resolver's order, each once. */

/* :address, or the host if it is an address literal, as a list of one; NULL for a name. */
static GList *
address_without_lookup (GsockEndpoint *self)
{
  GSocketAddress *address = gsock_endpoint_get_address (self);
  g_autoptr(GInetAddress) literal = NULL;

  if (address != NULL)
    return g_list_prepend (NULL, g_object_ref (address));
  literal = g_inet_address_new_from_string (gsock_endpoint_get_host (self));
  if (literal != NULL)
    return g_list_prepend (NULL, g_inet_socket_address_new (literal,
                                                            gsock_endpoint_get_port (self)));
  return NULL;
}

/* The resolver's addresses (consumed) as socket addresses at the endpoint's port. */
static GList *
socket_addresses (GsockEndpoint *self,
                  GList         *addresses)
{
  GList *result = NULL;

  for (GList *l = addresses; l != NULL; l = l->next)
    {
      gboolean seen = FALSE;

      for (GList *r = result; r != NULL && !seen; r = r->next)
        seen = g_inet_address_equal (l->data, g_inet_socket_address_get_address (r->data));
      if (!seen)
        result = g_list_prepend (result, g_inet_socket_address_new (l->data,
                                                                    gsock_endpoint_get_port (self)));
    }
  g_resolver_free_addresses (addresses);
  return g_list_reverse (result);
}

/* An open whose host name is being resolved. */
typedef struct
{
  GsockOpenAtFunc open_at;
  guint closes; /* the endpoint's closes when the lookup started: a close since ends the open */
} OpenData;

/* Calls @open_at for @task, and returns the task's result. */
static void
open_at_for_task (GsockEndpoint  *self,
                  GsockOpenAtFunc open_at,
                  GList          *addresses,
                  GTask          *task)
{
  GError *error = NULL;

  if (open_at (self, addresses, &error))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  /* Failures found before the socket was made leave the resolution's OPENING behind. */
  if (_gsock_endpoint_peek_state (self) == GSOCK_STATE_OPENING)
    _gsock_endpoint_set_state (self, GSOCK_STATE_CLOSED);
  g_task_return_error (task, error);
}

static void
open_resolved_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GsockEndpoint *self = g_task_get_source_object (task);
  OpenData *data = g_task_get_task_data (task);
  g_autolist(GSocketAddress) addresses = NULL;
  GError *error = NULL;
  GList *found;

  found = g_resolver_lookup_by_name_finish (G_RESOLVER (source), result, &error);
  if (found != NULL)
    addresses = socket_addresses (self, found);

  /* Closed (or aborted) meanwhile: it stays closed, as a client's connect does. */
  if (_gsock_endpoint_peek_closes (self) != data->closes)
    {
      g_clear_error (&error);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               "The endpoint was closed while its host name was resolved");
      return;
    }
  if (addresses == NULL || g_cancellable_set_error_if_cancelled (g_task_get_cancellable (task),
                                                               &error))
    {
      if (_gsock_endpoint_peek_state (self) == GSOCK_STATE_OPENING)
        _gsock_endpoint_set_state (self, GSOCK_STATE_CLOSED);
      g_task_return_error (task, error);
      return;
    }

  /* A datagram endpoint may have been bound by a send meanwhile: open_at then says BUSY. */
  open_at_for_task (self, data->open_at, addresses, task);
}

void
_gsock_endpoint_open_with (GsockEndpoint      *self,
                           GsockOpenAtFunc     open_at,
                           GCancellable       *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer            user_data)
{
  GMainContext *context = _gsock_endpoint_get_context (self);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autolist(GSocketAddress) addresses = NULL;
  g_autoptr(GResolver) resolver = NULL;
  OpenData *data;

  g_task_set_source_tag (task, gsock_endpoint_open_async);
  if (g_task_return_error_if_cancelled (task))
    return;

  /* Whatever is not CLOSED has a socket already, or is resolving for one. */
  if (_gsock_endpoint_peek_state (self) != GSOCK_STATE_CLOSED)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_BUSY, "The endpoint is already open");
      return;
    }
  addresses = address_without_lookup (self);
  if (addresses != NULL)
    {
      open_at_for_task (self, open_at, addresses, task);
      return;
    }

  /* The lookup answers on the endpoint's context, where open_at must run. */
  data = g_new0 (OpenData, 1);
  data->open_at = open_at;
  g_task_set_task_data (task, data, g_free);
  _gsock_endpoint_set_state (self, GSOCK_STATE_OPENING);
  data->closes = _gsock_endpoint_peek_closes (self);
  resolver = g_resolver_get_default ();
  g_main_context_push_thread_default (context);
  g_resolver_lookup_by_name_async (resolver, gsock_endpoint_get_host (self), cancellable,
                                   open_resolved_cb, g_steal_pointer (&task));
  g_main_context_pop_thread_default (context);
}

GList *
_gsock_endpoint_resolve (GsockEndpoint *self,
                         GError       **error)
{
  g_autoptr(GResolver) resolver = NULL;
  GList *addresses = address_without_lookup (self);
  GList *found;

  if (addresses != NULL)
    return addresses;

  resolver = g_resolver_get_default ();
  found = g_resolver_lookup_by_name (resolver, gsock_endpoint_get_host (self), NULL, error);
  if (found == NULL)
    return NULL;
  return socket_addresses (self, found);
}
