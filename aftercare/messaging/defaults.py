"""The installation's built-in texts of the triggers wired now (docs/DOMAIN.md §15.1),
used when neither the store, its group nor the installation has a template row.
Chinese first: the customer reads them."""

# code: (purpose, subject for email, text)
DEFAULT_TEXTS = {
    "appointment_confirmed": (
        "service",
        "预约确认",
        "{customer_name}您好，您已预约{date}到{store}为{plate}做保养维修，服务顾问{advisor}（{advisor_phone}）恭候光临。{link}",
    ),
    "appointment_reminder": (
        "service",
        "预约提醒",
        "{customer_name}您好，提醒您明天{date}到{store}为{plate}做保养维修。如需改期请联系{advisor}（{advisor_phone}）。{link}",
    ),
    "approval_requested": (
        "service",
        "追加项目待确认",
        "{customer_name}您好，您的爱车{plate}检查发现需追加维修项目，请查看并确认：{link} "
        "如有疑问请联系{advisor}（{advisor_phone}）。",
    ),
    "car_ready": (
        "service",
        "车辆已完工",
        "{customer_name}您好，您的爱车{plate}已完工，可前往{store}取车。服务顾问{advisor}（{advisor_phone}）。",
    ),
    "delivered": (
        "service",
        "感谢您的光临",
        "{customer_name}您好，感谢您光临{store}，{plate}已交车。"
        "有任何问题请联系服务顾问{advisor}（{advisor_phone}）。请为本次服务评价：{link}",
    ),
    "followup_resolved": (
        "service",
        "问题处理结果",
        "{customer_name}您好，您反映的问题已处理完毕。如仍有不满意，请联系{advisor}（{advisor_phone}）。",
    ),
    "complaint_contacted": (
        "service",
        "投诉已受理",
        "{customer_name}您好，您的意见已由{advisor}受理，我们会在三个工作日内答复您。联系电话{advisor_phone}。",
    ),
    "portal_link": (
        "service",
        "您的专属链接",
        "{customer_name}您好，{store}为您发送专属链接：{link}",
    ),
    "vic_invitation": (
        "service",
        "VIC活动邀请",
        "尊敬的{customer_name}，{store}诚邀您参加{event}（{date}，{venue}），可携1位同伴。请点击回复：{link}",
    ),
    "vic_sign": (
        "service",
        "请确认车辆交接",
        "{customer_name}您好，请查看并签字确认车辆交接记录：{link}",
    ),
    "message_failed": (
        "service",
        "消息发送失败",
        "发给{customer_name}的消息发送失败，请电话联系客户：{text}",
    ),
}
