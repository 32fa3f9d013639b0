include $(sort $(wildcard $(BR2_EXTERNAL_LWM2MD_PATH)/package/*/*.mk))
